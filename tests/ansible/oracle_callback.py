"""stdout callback of the oracle: prints one JSON document, the per-item
results of the parameters task by host (and any other task's failure)."""

import json

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "oracle"

    def __init__(self):
        super().__init__()
        self.hosts = {}

    def _keep(self, result):
        host = result._host.get_name()
        r = result._result
        if result._task.name == "patroni-bake parameters":
            items = [
                {"item": i.get("item"), "failed": bool(i.get("failed")),
                 "msg": i.get("msg") if not i.get("failed") else str(i.get("msg"))}
                for i in r.get("results", [])
            ]
            self.hosts[host] = {"results": items}
        elif r.get("failed") or r.get("unreachable"):
            self.hosts[host] = {"results": [], "msg": str(r.get("msg"))}

    def v2_runner_on_ok(self, result):
        self._keep(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._keep(result)

    def v2_runner_on_unreachable(self, result):
        self._keep(result)

    def v2_playbook_on_stats(self, stats):
        self._display.display(json.dumps(self.hosts, default=repr))
