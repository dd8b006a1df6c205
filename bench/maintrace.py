"""Main-thread time of one key press, from a Chromium trace (Playwright's start_tracing).

A wall-clock figure on a shared machine mostly measures the machine's other work; the thread
time (CPU) the renderer's main thread spends on a press does not wait for a core, so it moves
much less with the load. ``press_cost`` reads a trace that holds one key press and a
``performance.mark(MARK)`` made when the frame that shows its effect was painted, and sums
the main thread's tasks from the key's task to that mark: the key's own task, the frames, and
whatever else ran in between (timers, idle work, garbage collection), split in those three.
"""

import json
from dataclasses import dataclass

# What the trace records: the main thread's tasks, their steps, and the page's marks.
CATEGORIES = [
    "toplevel",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "blink.user_timing",
    "v8.execute",
]
MARK = "bench-painted"
TASK = "ThreadControllerImpl::RunTask"
# Steps of a frame (the task that runs one holds at least one of these).
FRAME_STEPS = {"Paint", "PrePaint", "Layerize", "FireAnimationFrame"}
# Steps worth naming in a breakdown.
STEPS = (
    "FunctionCall",
    "UpdateLayoutTree",
    "Layout",
    "PrePaint",
    "Paint",
    "Layerize",
    "MinorGC",
    "MajorGC",
)


@dataclass
class PressCost:
    """Thread (CPU) milliseconds of the main thread from a key press to the painted frame."""

    key: float
    frames: float
    other: float
    wall: float  # the key's task start to the mark, wall clock
    steps: dict[str, float]  # wall-clock milliseconds per step (nested steps counted in each)

    @property
    def total(self) -> float:
        return self.key + self.frames + self.other


def press_cost(raw: bytes) -> PressCost:
    """The main thread's time for the one keydown in `raw`, up to `MARK`."""
    data = json.loads(raw)
    events = data["traceEvents"] if isinstance(data, dict) else data
    keydowns = [
        event
        for event in events
        if event.get("name") == "EventDispatch"
        and event.get("args", {}).get("data", {}).get("type") == "keydown"
    ]
    if len(keydowns) != 1:
        raise ValueError(f"the trace holds {len(keydowns)} key presses, not one")
    keydown = keydowns[0]
    thread = (keydown["pid"], keydown["tid"])
    own = [event for event in events if (event.get("pid"), event.get("tid")) == thread]
    marks = [event["ts"] for event in own if event.get("name") == MARK]
    if not marks:
        raise ValueError(f"the trace has no {MARK!r} mark after the key press")
    end = min(mark for mark in marks if mark >= keydown["ts"])
    complete = [event for event in own if event.get("ph") == "X"]
    tasks = [
        event
        for event in complete
        if event["name"] == TASK
        and event["ts"] + event["dur"] > keydown["ts"]
        and event["ts"] <= end
    ]
    key_task = next(
        task for task in tasks if task["ts"] <= keydown["ts"] <= task["ts"] + task["dur"]
    )
    cost = PressCost(key=0.0, frames=0.0, other=0.0, wall=(end - key_task["ts"]) / 1000, steps={})
    for task in tasks:
        inside = [
            event
            for event in complete
            if event is not task and task["ts"] <= event["ts"] < task["ts"] + task["dur"]
        ]
        cpu = task.get("tdur", task["dur"]) / 1000
        if task is key_task:
            cost.key += cpu
        elif any(event["name"] in FRAME_STEPS for event in inside):
            cost.frames += cpu
        else:
            cost.other += cpu
        for event in inside:
            if event["name"] in STEPS:
                cost.steps[event["name"]] = cost.steps.get(event["name"], 0.0) + event["dur"] / 1000
    return cost
