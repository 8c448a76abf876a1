// The npm `mailpit-api` client against Mayfly's Mailpit door: every call it makes, as JSON.
// node mailpit_flow.mjs <base URL of the door> <API key>
import { MailpitClient } from "mailpit-api";

const [base, key] = process.argv.slice(2);
const mailpit = new MailpitClient(base, { auth: { username: "anyone", password: key } });
const out = {};
const listing = await mailpit.listMessages();
out.total = listing.total;
out.unread = listing.unread;
out.messagesCount = listing.messages_count;
out.subjects = listing.messages.map((m) => m.Subject);
out.attachmentCounts = listing.messages.map((m) => m.Attachments);
const found = await mailpit.searchMessages({ query: 'subject:"With a file"' });
out.searchCount = found.messages_count;
const id = found.messages[0].ID;
const message = await mailpit.getMessageSummary(id);
out.text = message.Text.trim();
out.html = message.HTML.trim();
out.from = message.From;
out.files = message.Attachments.map((a) => ({ name: a.FileName, type: a.ContentType,
                                              size: a.Size, sha256: a.Checksums.SHA256 }));
const blob = await mailpit.getMessageAttachment(id, message.Attachments[0].PartID);
out.fileBody = Buffer.from(await blob.arrayBuffer()).toString();
out.headersSubject = (await mailpit.getMessageHeaders(id)).Subject;
out.rawHasSubject = (await mailpit.getMessageSource(id)).includes("Subject: With a file");
out.latestSubject = (await mailpit.getMessageSummary()).Subject;
out.viewText = (await mailpit.renderMessageText(id)).trim();
out.unreadAfterOpen = (await mailpit.listMessages()).unread;
await mailpit.setReadStatus({ Read: true });
out.unreadAfterAllRead = (await mailpit.listMessages()).unread;
await mailpit.setReadStatus({ IDs: [id], Read: false });
out.unreadAfterOneUnread = (await mailpit.listMessages()).unread;
const waited = await mailpit.waitForMessage({ query: "from:billing" }, { timeout: 5000 });
out.waitedSubject = waited.Subject;
await mailpit.deleteMessages({ IDs: [id] });
out.afterDeleteOne = (await mailpit.listMessages()).total;
await mailpit.deleteMessagesBySearch({ query: "needle" });
out.afterDeleteSearch = (await mailpit.listMessages()).total;
await mailpit.deleteMessages();
out.afterDeleteAll = (await mailpit.listMessages()).total;
try {
  await mailpit.htmlCheck(id);
  out.htmlCheck = "served";
} catch (error) {
  out.htmlCheck = String(error.message).includes("501") ? "501" : String(error.message);
}
console.log(JSON.stringify(out));
