"""The MCP door: Mayfly's mailboxes as tools for agents, over MCP's streamable HTTP at /mcp.

It runs as a process of its own beside gunicorn (`python -m app.mcp`, an ASGI app served by
uvicorn), reading the same store through a Flask app context and the same services as every
other door. A caller is the user of the API key it sends as a bearer token (auth.py); each
tool builds that user's Principal and makes its service calls in a worker thread (calls.py),
so another key's mailbox or message is "not found", exactly as in the native API.

    server.py     the MCP server and its ASGI app: auth, body limit, allowed hosts
    tools_*.py    the tools, one module per area (mailboxes, messages, faults)
    resources.py  recent mail of a mailbox as a resource
    shapes.py     what the tools answer: summaries and whole messages as JSON
    __main__.py   the process: settings, the Flask app, uvicorn
"""
