// The npm `mailhog` client against Mayfly's MailHog door: every call it makes, results as JSON.
// node mailhog_flow.mjs <base URL of the door's /api> <API key>
import mailhog from "mailhog";

const [base, key] = process.argv.slice(2);
const url = new URL(base);
const api = mailhog({ protocol: url.protocol, host: url.hostname, port: url.port,
                      basePath: url.pathname.replace(/\/$/, ""), auth: `anyone:${key}` });
const out = {};
const listing = await api.messages();
out.total = listing.total;
out.count = listing.count;
out.subjects = listing.items.map((m) => m.subject);
const withFile = listing.items.find((m) => m.attachments.length);
out.text = withFile.text.trim();
out.html = withFile.html.trim();
out.attachments = withFile.attachments.map((a) => ({ name: a.name, type: a.type,
                                                     body: api.decode(a.Body, a.encoding) }));
out.rawHasSubject = withFile.Raw.Data.includes("Subject: With a file");
out.envelopeFrom = withFile.Raw.From;
out.latestFrom = (await api.latestFrom("billing@example.org")).subject;
out.latestTo = (await api.latestTo("hog-two@mayfly.test")).subject;
out.latestContaining = (await api.latestContaining("needle")).subject;
out.searchCount = (await api.search("nothing matches this", "containing")).count;
const page = await api.messages(1, 1);
out.pageCount = page.count;
out.pageSubject = page.items[0].subject;
await api.deleteMessage(withFile.ID);
out.afterDeleteOne = (await api.messages()).total;
await api.deleteAll();
out.afterDeleteAll = (await api.messages()).total;
console.log(JSON.stringify(out));
