"""Drives `netsuite mcp serve --upstream` (the bridge to the AI Connector) with the
official Python MCP SDK (`mcp` package) over stdio.

    mcp_bridge_client.py tools WRITES NETSUITE_BIN ARG...    list and call through the bridge
    mcp_bridge_client.py relogin NETSUITE_BIN ARG...         a call, then (each after a line
                                                             on stdin) one after the token
                                                             expired, one while logged out
                                                             and one after a new login
    mcp_bridge_client.py relist NETSUITE_BIN ARG...          tools/list before a login fails;
                                                             after a line on stdin, waits for
                                                             tools/list_changed and lists again
    mcp_bridge_client.py refused NETSUITE_BIN ARG...         what tools/list and a call answer

WRITES is `writes` or `readonly`. Prints JSON (one line per phase for relogin); exits
non-zero on a failure.
"""

import asyncio
import json

import anyio
import os
import sys

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

STANDARD_TOOLS = {
    "ns_createRecord", "ns_getRecord", "ns_getRecordTypeMetadata", "ns_updateRecord",
    "ns_listSavedSearches", "ns_runSavedSearch", "ns_getSubsidiaries", "ns_listAllReports",
    "ns_runReport", "ns_getSuiteQLMetadata", "ns_runCustomSuiteQL",
}
WRITE_TOOLS = {"ns_createRecord", "ns_updateRecord"}
QUERY = {"sqlQuery": "SELECT id, companyname FROM customer ORDER BY id", "description": "three",
         "pageSize": 3}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


async def call(session, name, args):
    r = await session.call_tool(name, args)
    return r, (r.content[0].text if r.content else "")


async def tools(session, allow_writes):
    listed = {t.name for t in (await session.list_tools()).tools}
    expected = STANDARD_TOOLS if allow_writes else STANDARD_TOOLS - WRITE_TOOLS
    check(listed == expected, f"tools {sorted(listed)} != {sorted(expected)}")
    summary = {"tools": sorted(listed)}
    r, text = await call(session, "ns_runCustomSuiteQL", QUERY)
    check(not r.is_error, f"suiteql: {text}")
    data = json.loads(text)
    check(data["resultCount"] == 3 and data["truncated"], data)
    summary["first_customer"] = data["data"][0]["companyname"]
    r, text = await call(session, "ns_getRecord", {"recordType": "salesorder", "recordId": "304"})
    check(not r.is_error, f"getRecord: {text}")
    summary["memo"] = json.loads(text).get("memo")
    r, text = await call(session, "ns_getSubsidiaries", {})
    check(not r.is_error, f"subsidiaries: {text}")
    summary["subsidiaries"] = sorted(s["id"] for s in json.loads(text)["subsidiaries"])
    create = {"recordType": "customer",
              "data": json.dumps({"companyName": "Bridge Co", "subsidiary": {"id": "1"}})}
    r, text = await call(session, "ns_createRecord", create)
    if allow_writes:
        check(not r.is_error, f"create: {text}")
        summary["created"] = str(json.loads(text)["recordId"])
    else:
        check(r.is_error and "--allow-writes" in text, f"a create was not refused: {text}")
        summary["refused"] = text
    return summary


async def wait_for_go(summary):
    print(json.dumps(summary), flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    check(line.strip() == "go", f"expected go, got {line!r}")


async def relogin(session):
    r, text = await call(session, "ns_runCustomSuiteQL", QUERY)
    check(not r.is_error, f"first call: {text}")
    await wait_for_go({"phase": "first", "ok": True})
    r, text = await call(session, "ns_runCustomSuiteQL", QUERY)
    check(not r.is_error, f"the call after the token expired: {text}")
    await wait_for_go({"phase": "refreshed", "ok": True})
    r, text = await call(session, "ns_runCustomSuiteQL", QUERY)
    check(r.is_error, f"a call after logout went through: {text}")
    await wait_for_go({"phase": "logged_out", "error": text})
    r, text = await call(session, "ns_runCustomSuiteQL", QUERY)
    check(not r.is_error, f"the call after a new login failed: {text}")
    return {"phase": "after_login", "ok": True,
            "tools": len((await session.list_tools()).tools)}


async def relist(session, changed):
    try:
        await session.list_tools()
        raise AssertionError("tools/list went through before a login")
    except AssertionError:
        raise
    except Exception as e:  # the SDK's McpError
        await wait_for_go({"phase": "not_logged_in", "error": str(e)})
    with anyio.fail_after(20):
        await changed.wait()
    listed = (await session.list_tools()).tools
    return {"phase": "relisted", "tools": len(listed)}


async def refused(session):
    summary = {}
    try:
        listed = (await session.list_tools()).tools
        summary["tools"] = [t.name for t in listed]
    except Exception as e:  # the SDK's McpError
        summary["list_error"] = str(e)
    try:
        r, text = await call(session, "ns_runCustomSuiteQL", QUERY)
        check(r.is_error, f"the call went through: {text}")
        summary["call_error"] = text
    except AssertionError:
        raise
    except Exception as e:  # the connector's own JSON-RPC error, forwarded
        summary["call_error"] = str(e)
    return summary


async def main():
    mode = sys.argv[1]
    rest = sys.argv[2:]
    allow_writes = False
    if mode == "tools":
        allow_writes, rest = rest[0] == "writes", rest[1:]
    params = StdioServerParameters(command=rest[0], args=rest[1:], env=dict(os.environ))
    changed = anyio.Event()

    async def on_message(message):
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            changed.set()

    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, message_handler=on_message) as session:
            init = await session.initialize()
            check(init.server_info.name == "netsuite", init.server_info)
            if mode == "tools":
                summary = await tools(session, allow_writes)
            elif mode == "relogin":
                summary = await relogin(session)
            elif mode == "relist":
                summary = await relist(session, changed)
            else:
                summary = await refused(session)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
