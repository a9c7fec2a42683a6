"""Action plugin of the oracle: return a target's facts (recipe.toml's, as
the oracle wrote them to $PATRONI_BAKE_FACTS) the way setup returns them, so
that they reach the play as ansible_facts and ansible_* variables."""

import json
import os

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        with open(os.environ["PATRONI_BAKE_FACTS"], encoding="utf-8") as f:
            facts = json.load(f)[self._task.args["target"]]
        result["ansible_facts"] = facts
        result["changed"] = False
        return result
