"""A minimal fake of the Telegram Bot API for scripts/docker-smoke.sh.

Serves on 127.0.0.1 only. The bot's calls are answered as Telegram would answer
them (method names in any case, long polling with offsets); two control routes
drive it from the smoke script:

    POST /control/update   {"text": ..., "user_id": ...}  queue a private message
    GET  /control/sent                                    the sendMessage calls so far

The integration tests use a fuller fake written in Rust (tests/it/support).
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOT = {"id": 123456, "is_bot": True, "first_name": "Newsdesk", "username": "newsdesk_bot"}
lock = threading.Condition()
updates = []  # unconfirmed updates
sent = []
next_update_id = 1
next_message_id = 1000


def reply(handler, status, payload):
    body = json.dumps(payload).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        # The bot dropped a long poll (it was stopped); nothing to answer.
        pass


def ok(handler, result):
    reply(handler, 200, {"ok": True, "result": result})


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}

    def do_GET(self):
        if self.path == "/control/sent":
            with lock:
                return ok(self, list(sent))
        reply(self, 404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def do_POST(self):
        global next_update_id, next_message_id
        params = self.read_json()
        if self.path == "/control/update":
            user = {"id": params.get("user_id", 42), "is_bot": False, "first_name": "Smoke", "language_code": "en"}
            with lock:
                message = {
                    "message_id": 1,
                    "from": user,
                    "chat": {"id": user["id"], "type": "private", "first_name": "Smoke"},
                    "date": int(time.time()),
                    "text": params["text"],
                }
                updates.append({"update_id": next_update_id, "message": message})
                next_update_id += 1
                lock.notify_all()
            return ok(self, True)
        method = self.path.rsplit("/", 1)[-1].lower()
        if method == "getme":
            return ok(self, dict(BOT, can_join_groups=True, can_read_all_group_messages=False,
                                 supports_inline_queries=True, can_connect_to_business=False,
                                 has_main_web_app=False))
        if method == "getwebhookinfo":
            return ok(self, {"url": "", "has_custom_certificate": False, "pending_update_count": 0})
        if method in ("deletewebhook", "setmycommands"):
            return ok(self, True)
        if method == "getupdates":
            offset = params.get("offset") or 0
            deadline = time.time() + min(float(params.get("timeout") or 0), 1.0)
            with lock:
                updates[:] = [u for u in updates if u["update_id"] >= offset]
                while not updates and time.time() < deadline:
                    lock.wait(deadline - time.time())
                return ok(self, list(updates))
        if method == "sendmessage":
            with lock:
                sent.append(params)
                message_id = next_message_id
                next_message_id += 1
            chat = {"id": params["chat_id"], "type": "private", "first_name": "Smoke"}
            return ok(self, {"message_id": message_id, "date": int(time.time()), "chat": chat,
                             "from": BOT, "text": params.get("text", "")})
        reply(self, 404, {"ok": False, "error_code": 404, "description": f"Not Found: {method}"})


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8081
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
