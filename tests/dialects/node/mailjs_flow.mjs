// The npm `@cemalgnlts/mailjs` client against Mayfly's mail.tm door.
// node mailjs_flow.mjs <base URL of the door> register|read <address> <password>
import Mailjs from "@cemalgnlts/mailjs";

const [base, step, address, password] = process.argv.slice(2);
const mailjs = new Mailjs();
mailjs.baseUrl = base.replace(/\/$/, "");  // the one change from talking to api.mail.tm
const out = {};
if (step === "register") {
  const domains = await mailjs.getDomains();
  out.domains = domains.data.map((d) => d.domain);
  const created = await mailjs.register(address, password);
  out.registered = created.statusCode;
  out.again = (await mailjs.register(address, password)).statusCode;
  out.wrongLogin = (await mailjs.login(address, "not the password")).statusCode;
  const login = await mailjs.login(address, password);
  out.login = login.statusCode;
  out.me = (await mailjs.me()).data.address;
  out.token = mailjs.token;
} else {
  await mailjs.login(address, password);
  const listing = await mailjs.getMessages();
  out.subjects = listing.data.map((m) => m.subject);
  const first = listing.data.find((m) => m.hasAttachments);
  const message = await mailjs.getMessage(first.id);
  out.text = message.data.text.trim();
  out.html = message.data.html.map((h) => h.trim());
  out.attachments = message.data.attachments.map((a) => a.filename);
  out.seenBefore = message.data.seen;
  out.seen = (await mailjs.setMessageSeen(first.id, true)).statusCode;
  out.seenAfter = (await mailjs.getMessage(first.id)).data.seen;
  const source = await mailjs.getSource(first.id);
  out.sourceHasSubject = source.data.data.includes("Subject: With a file");
  out.deleted = (await mailjs.deleteMessage(first.id)).statusCode;
  out.left = (await mailjs.getMessages()).data.length;
  out.missing = (await mailjs.getMessage(first.id)).statusCode;
  out.deletedAccount = (await mailjs.deleteMe()).statusCode;
  out.afterDelete = (await mailjs.login(address, password)).statusCode;
}
console.log(JSON.stringify(out));
