"""Drives `netsuite mcp serve` with the official Python MCP SDK (`mcp` package).

    mcp_client.py stdio WRITES NETSUITE_BIN ARG...   spawn the server over stdio
    mcp_client.py http WRITES URL [KEY]              Streamable HTTP (KEY: Bearer)

WRITES is `writes` or `readonly`: what the server was started with. Every tool is
called; the refusals are checked. Prints a JSON summary; exits non-zero on a failure.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

READ_TOOLS = {
    "ns_runCustomSuiteQL",
    "ns_getSuiteQLMetadata",
    "ns_getRecordTypeMetadata",
    "ns_getRecord",
    "netsuite_callRestlet",
}
WRITE_TOOLS = {"ns_createRecord", "ns_updateRecord"}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


async def call(session, name, args):
    r = await session.call_tool(name, args)
    text = r.content[0].text if r.content else ""
    return r, text


async def refused(session, name, args, summary):
    r, text = await call(session, name, args)
    check(r.is_error, f"{name} {args} was not refused: {text}")
    check("--allow-writes" in text, f"{name} refusal does not name --allow-writes: {text}")
    summary["refused"].append(name)


async def reads(session, summary):
    r, text = await call(session, "ns_runCustomSuiteQL", {
        "sqlQuery": "SELECT id, companyname FROM customer ORDER BY id",
        "description": "all customers",
    })
    check(not r.is_error, f"suiteql failed: {text}")
    s = r.structured_content
    check(s["method"] == "ns_runCustomSuiteQL" and s["resultCount"] == len(s["data"]) > 1, s)
    check(json.loads(text) == s, "the text content is not the structured JSON")
    check(r.meta is None, f"a server-internal _meta reached the client: {r.meta}")
    first = json.loads(text)["data"][0]
    check(list(first) == ["id", "companyname"], f"columns not in the query's order: {first}")
    summary["customers"] = s["resultCount"]
    r, text = await call(session, "ns_runCustomSuiteQL", {
        "sqlQuery": "SELECT id FROM customer ORDER BY id", "description": "two", "pageSize": 2,
    })
    s = r.structured_content
    check(s["resultCount"] == 2 and s["truncated"] and "cut" in s["note"], f"no cut: {text}")
    r, text = await call(session, "ns_getSuiteQLMetadata", {})
    check(not r.is_error and "items" in r.structured_content["metadata"], f"metadata: {text[:300]}")
    r, text = await call(session, "ns_getRecordTypeMetadata", {"recordType": "salesorder"})
    check(not r.is_error and "properties" in r.structured_content["metadata"], f"type: {text[:300]}")
    r, text = await call(session, "ns_getRecord", {
        "recordType": "salesorder", "recordId": "304", "fields": "tranId,memo",
    })
    check(not r.is_error and r.structured_content["record"]["id"] == "304", text)
    r, text = await call(session, "netsuite_callRestlet", {
        "script": "1", "deploy": "1", "method": "GET",
    })
    check(not r.is_error, f"restlet GET: {text}")
    summary["restlet_get"] = r.structured_content["response"]
    # Errors are tool results the agent can read, with a hint.
    r, text = await call(session, "ns_getRecord", {"recordType": "salesorder", "recordId": "99999999"})
    check(r.is_error and "error:" in text, f"missing record: {text}")
    r, text = await call(session, "ns_getRecord", {"recordType": "salesorder"})
    check(r.is_error and "recordId" in text, f"missing argument: {text}")
    try:
        await session.call_tool("ns_noSuchTool", {})
        raise AssertionError("an unknown tool was accepted")
    except AssertionError:
        raise
    except Exception as e:  # the SDK's McpError
        summary["unknown_tool"] = str(e)


async def writes(session, summary):
    r, text = await call(session, "ns_createRecord", {
        "recordType": "customer",
        "data": json.dumps({"companyName": "MCP Agent Co", "subsidiary": {"id": "1"}}),
    })
    check(not r.is_error, f"create: {text}")
    new_id = r.structured_content["recordId"]
    check(len(r.structured_content["idempotencyKey"]) == 36, text)
    r, text = await call(session, "ns_updateRecord", {
        "recordType": "customer", "recordId": new_id, "data": json.dumps({"comments": "from MCP"}),
    })
    check(not r.is_error and r.structured_content["updated"], f"update: {text}")
    r, text = await call(session, "ns_getRecord", {"recordType": "customer", "recordId": new_id})
    rec = r.structured_content["record"]
    check(rec["companyName"] == "MCP Agent Co" and rec.get("comments") == "from MCP", rec)
    r, text = await call(session, "netsuite_callRestlet", {
        "script": "1", "deploy": "1", "method": "POST", "body": json.dumps({"ping": "pong"}),
    })
    check(not r.is_error and "pong" in text, f"restlet POST: {text}")
    r, text = await call(session, "ns_createRecord", {"recordType": "customer", "data": "[1]"})
    check(r.is_error and "JSON object" in text, f"bad data: {text}")
    summary["created"] = new_id


async def exercise(session, allow_writes):
    init = await session.initialize()
    summary = {"server": init.server_info.name, "refused": []}
    listed = (await session.list_tools()).tools
    names = {t.name for t in listed}
    expected = READ_TOOLS | (WRITE_TOOLS if allow_writes else set())
    check(names == expected, f"tools {sorted(names)} != {sorted(expected)}")
    for t in listed:
        check(t.output_schema and t.annotations is not None, f"{t.name} lacks schemas/annotations")
    summary["tools"] = sorted(names)
    summary["read_only"] = sorted(t.name for t in listed if t.annotations.read_only_hint)
    await reads(session, summary)
    if allow_writes:
        await writes(session, summary)
    else:
        data = json.dumps({"companyName": "Nope", "subsidiary": {"id": "1"}})
        await refused(session, "ns_createRecord", {"recordType": "customer", "data": data}, summary)
        await refused(session, "ns_updateRecord",
                      {"recordType": "customer", "recordId": "1", "data": data}, summary)
        await refused(session, "netsuite_callRestlet",
                      {"script": "1", "deploy": "1", "method": "POST", "body": "{}"}, summary)
    return summary


async def main():
    mode, allow_writes = sys.argv[1], sys.argv[2] == "writes"
    if mode == "stdio":
        params = StdioServerParameters(command=sys.argv[3], args=sys.argv[4:], env=dict(os.environ))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                summary = await exercise(session, allow_writes)
    else:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        headers = {"Authorization": f"Bearer {sys.argv[4]}"} if len(sys.argv) > 4 else {}
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
            async with streamable_http_client(sys.argv[3], http_client=http) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    summary = await exercise(session, allow_writes)
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
