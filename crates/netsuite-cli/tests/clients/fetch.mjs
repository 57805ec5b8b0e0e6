// Node's built-in fetch through `netsuite proxy`: a record and a SuiteQL page.
// Run: node fetch.mjs (NETSUITE_PROXY_URL defaults to http://127.0.0.1:8181).
const proxy = process.env.NETSUITE_PROXY_URL ?? "http://127.0.0.1:8181";

const order = await fetch(`${proxy}/services/rest/record/v1/salesorder/304`);
if (!order.ok) throw new Error(`HTTP ${order.status}: ${await order.text()}`);
const { id, tranId } = await order.json();

const page = await fetch(`${proxy}/services/rest/query/v1/suiteql?limit=10`, {
  method: "POST",
  headers: { "Content-Type": "application/json", Prefer: "transient" },
  body: JSON.stringify({ q: "SELECT id, companyname FROM customer ORDER BY id" }),
});
if (!page.ok) throw new Error(`HTTP ${page.status}: ${await page.text()}`);
const { items, hasMore } = await page.json();

console.log(JSON.stringify({ id, tranId, customers: items.length, hasMore }));
