#!/usr/bin/env python3
"""Writes jmh/RESULTS.md from the raw outputs of one jmh/run (a directory of files).

Usage: report.py RUN_DIR OUTPUT.md

RUN_DIR holds what jmh/run collected: jmh.json (JMH, -rf json), jmh-sample.json (the half-load
latency run, -bm sample), node.txt (node-peer lines), first-response.txt, footprint.txt,
wrk-isola.txt, wrk-plain.txt, limits.txt, overshoot.txt and machine.txt (key: value lines). Anything missing or
unparsable becomes "n/a" in its row; nothing here fails because one measurement did not run.
"""
import json
import os
import re
import statistics
import sys

RUN_DIR, OUTPUT = sys.argv[1], sys.argv[2]
PKG = "dev.isola.jmh."


def read(name):
    try:
        with open(os.path.join(RUN_DIR, name), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def key_values(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


# ---- inputs -------------------------------------------------------------------------------------

def number(v):
    """A float, or None for what JMH writes when it has none (missing, "NaN")."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


def load_jmh():
    """{(class.method, frozenset(params)): (score, error, unit, alloc B/op)}"""
    results = {}
    data = []
    for name in ("jmh.json", "jmh-sample.json"):  # the main run, then the latency (-bm sample) run
        try:
            data += json.loads(read(name) or "[]")
        except ValueError:
            pass
    for r in data:
        name = r.get("benchmark", "").removeprefix(PKG)
        params = frozenset((r.get("params") or {}).items())
        primary = r.get("primaryMetric", {})
        alloc = (r.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm", {}).get("score")
        if r.get("mode") == "sample":
            # A latency run (-bm sample): kept apart, as its median, under "<name>#p50".
            p50 = (primary.get("scorePercentiles") or {}).get("50.0")
            results[(name + "#p50", params)] = (number(p50), None, primary.get("scoreUnit", ""), number(alloc),
                                                r.get("threads", 1))
            continue
        results[(name, params)] = (number(primary.get("score")), number(primary.get("scoreError")),
                                   primary.get("scoreUnit", ""), number(alloc),
                                   r.get("threads", 1))
    return results


JMH = load_jmh()


def jmh(name, **params):
    """The JMH result of a benchmark method with these params, or None. If the benchmark has
    gained params since this was written, the first result whose params include these is used."""
    wanted = frozenset((k, str(v)) for k, v in params.items())
    if (name, wanted) in JMH:
        return JMH[(name, wanted)]
    for (other, other_params), result in sorted(JMH.items(), key=lambda item: sorted(item[0][1])):
        if other == name and wanted <= other_params:
            return result
    return None


def score(name, **params):
    r = jmh(name, **params)
    return None if r is None else r[0]


def alloc(name, **params):
    r = jmh(name, **params)
    return None if r is None else r[3]


NODE = {}
for line in read("node.txt").splitlines():
    if line.startswith("node-peer "):
        kv = key_values(line)
        try:
            NODE[kv["case"]] = float(kv["median_us"])
        except (KeyError, ValueError):
            pass

# Keyed by (engine, cds): cds is "off" for a plain JVM, "on" with an AppCDS archive.
FIRST = {(e, c): [] for e in ("wasm", "js") for c in ("off", "on")}
FIRST_JVM = {(e, c): [] for e in ("wasm", "js") for c in ("off", "on")}
for line in read("first-response.txt").splitlines():
    if line.startswith("first-response "):
        kv = key_values(line)
        key = (kv.get("engine"), kv.get("cds", "off"))
        if key in FIRST:
            try:
                FIRST[key].append(float(kv["launch_ms"]))
                FIRST_JVM[key].append(float(kv["jvm_ms"]))
            except (KeyError, ValueError):
                pass

FOOTPRINT = {}
for line in read("footprint.txt").splitlines():
    if line.startswith("footprint "):
        kv = key_values(line)
        try:
            FOOTPRINT[(kv["case"], int(kv["ready"]))] = (float(kv["retained_per_route_bytes"]),
                                                         float(kv["alloc_per_call_bytes"]))
        except (KeyError, ValueError):
            pass

# MemoryOvershoot: "memory-overshoot kind=... limit_mib=... held_mib=... heap_growth_mib=... ms=... status=..."
# per bomb and run, "memory-compute kind=... seconds=... status=... allocated_mib_per_s=..." per computing handler.
OVERSHOOT, COMPUTE = [], []
for line in read("overshoot.txt").splitlines():
    kv = key_values(line)
    try:
        if line.startswith("memory-overshoot "):
            held = int(kv["held_mib"]) if kv["held_mib"].isdigit() else None
            OVERSHOOT.append((kv["kind"], int(kv["limit_mib"]), held, int(kv["heap_growth_mib"]), int(kv["ms"]),
                              kv["status"]))
        elif line.startswith("memory-compute "):
            COMPUTE.append((kv["kind"], kv["status"], float(kv["allocated_mib_per_s"])))
    except (KeyError, ValueError):
        pass


def wrk(name):
    text = read(name)
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    socket_errors = re.search(r"Socket errors:[^\n]*", text)
    return (float(m.group(1)) if m else None,
            int(errors.group(1)) if errors else 0,
            socket_errors.group(0) if socket_errors else "")


# (engine, what, elapsed ms, timeout ms) from the tests' [limits] lines: JsLimitsTest prints
# "[limits] PLATFORM endless loop stopped after ...", WasmWagiTest "[limits] wasm /loop on VIRTUAL
# stopped after ...", WasmExtismTest "[limits] extism loop on PLATFORM stopped after ...", and
# CancellationTest "[limits] VIRTUAL after <case>: JS endless loop stopped after J ms, Wasm endless
# loop after W ms (timeout T ms); ..." (engine "after-hostile").
LIMITS = []
for line in read("limits.txt").splitlines():
    m = re.search(r"\[limits\] (\w+) after (.+?): JS endless loop stopped after (\d+) ms, Wasm endless loop after"
                  r" (\d+) ms \(timeout (\d+) ms\)", line)
    if m:
        thread, case, timeout = m.group(1).lower(), m.group(2), int(m.group(5))
        LIMITS.append(("after-hostile", f"JS after {case}, {thread}", int(m.group(3)), timeout))
        LIMITS.append(("after-hostile", f"Wasm after {case}, {thread}", int(m.group(4)), timeout))
        continue
    m = re.search(r"\[limits\] (\w+) endless loop stopped after (\d+) ms \(timeout (\d+) ms\)", line)
    if m:
        LIMITS.append(("js", m.group(1).lower() + " thread", int(m.group(2)), int(m.group(3))))
        continue
    m = re.search(r"\[limits\] (wasm|extism) (\S+) on (\w+) stopped after (\d+) ms \(timeout (\d+) ms\)", line)
    if m:
        what = ("WAGI " if m.group(1) == "wasm" else "Extism ") + m.group(2) + ", " + m.group(3).lower() + " thread"
        LIMITS.append(("wasm", what, int(m.group(4)), int(m.group(5))))

MACHINE = {}
for line in read("machine.txt").splitlines():
    if ": " in line:
        k, v = line.split(": ", 1)
        MACHINE[k.strip()] = v.strip()


# ---- formatting ---------------------------------------------------------------------------------

def us(v):
    if v is None:
        return "n/a"
    return f"{v:.3g} µs" if v < 10 else f"{v:,.1f} µs" if v < 1000 else f"{v:,.0f} µs"


def ms(v):
    return "n/a" if v is None else f"{v:,.0f} ms"


def size(v):
    if v is None:
        return "n/a"
    if abs(v) >= 1024 * 1024:
        return f"{v / 1024 / 1024:.2f} MiB"
    if abs(v) >= 1024:
        return f"{v / 1024:.1f} KiB"
    return f"{v:.0f} B"


def rate(v):
    return "n/a" if v is None else f"{v:,.0f}/s"


def times(v):
    return "n/a" if v is None else f"{v:.2f}×"


def div(a, b):
    return None if a is None or b is None or b == 0 else a / b


def met(*conditions):
    """'met' if every condition holds, 'n/a' if one cannot be decided, else 'not met'."""
    if any(c is None for c in conditions):
        return "n/a"
    return "**met**" if all(conditions) else "**not met**"


def at_most(v, limit):
    return None if v is None else v <= limit


def at_least(v, limit):
    return None if v is None else v >= limit


def median(values):
    return statistics.median(values) if values else None


# ---- tables -------------------------------------------------------------------------------------

rows = []  # (id, measure, isola, peer, ratio, goal, verdict, notes)


def row(*cells):
    rows.append(tuple(cells))


# P1: Wasm route end to end, saturated
page, page_node = score("WasmCallBenchmark.isolaPage"), NODE.get("wasm-instance-page")
speedup = div(page_node, page)
row("P1", "Wasm route, 1-page Extism module (`bench-page`), saturated: time per call",
    us(page), f"Node fresh `WebAssembly.Instance`: {us(page_node)}", times(speedup),
    "≤10 µs and ≥1.4× faster", met(at_most(page, 10), at_least(speedup, 1.4)),
    f"raw Chicory {us(score('WasmCallBenchmark.rawChicoryPage'))}; Java lambda {us(score('WasmCallBenchmark.javaLambda'))}")
data, data_node = score("WasmCallBenchmark.isolaData64k"), NODE.get("wasm-instance-data64k")
speedup = div(data_node, data)
row("P1", "the same with a 64 KiB data segment (`bench-data64k`)", us(data),
    f"Node fresh `WebAssembly.Instance`: {us(data_node)}", times(speedup), "≥3× faster", met(at_least(speedup, 3)),
    f"raw Chicory {us(score('WasmCallBenchmark.rawChicoryData64k'))}")
wagi, wagi_node = score("WasmCallBenchmark.isolaWagi"), NODE.get("wagi-wasi")
speedup = div(wagi_node, wagi)
row("P1g", "WAGI hello (`wagi-hello`), fresh WASI per call", us(wagi), f"Node `node:wasi` fresh: {us(wagi_node)}",
    times(speedup), "≤20 µs and ≥3× faster", met(at_most(wagi, 20), at_least(speedup, 3)),
    f"raw Chicory {us(score('WasmCallBenchmark.rawChicoryWagi'))}")
def latency(name, **params):
    """(median from a -bm sample run if there is one, else the average; how it was measured)"""
    p50 = score(name + "#p50", **params)
    if p50 is not None:
        return p50, f"median of a `-bm sample` run (average {us(score(name, **params))})"
    return score(name, **params), "average (no `-bm sample` run)"


ready, how = latency("WasmCallBenchmark.readyPage", readySandboxes="1")
row("P1w", "Wasm route at half load (a ready sandbox waiting), `bench-page`", us(ready),
    f"Node fresh `WebAssembly.Instance`: {us(page_node)}", times(div(page_node, ready)), "≤3 µs",
    met(at_most(ready, 3)), f"{how}; a 200 µs spin before each call leaves the preparer time to build")
ready_wagi, how = latency("WasmCallBenchmark.readyWagi", readySandboxes="1")
row("P1w", "the same for WAGI hello (`wagi-hello`)", us(ready_wagi),
    f"Node `node:wasi` fresh: {us(wagi_node)}", times(div(wagi_node, ready_wagi)), "(no goal)", "—", how)

# P2: JavaScript
js_trivial, js_node = score("JsCallBenchmark.isolaHandle", handler="trivial"), NODE.get("vm-fresh-trivial")
speedup = div(js_node, js_trivial)
row("P2", "JS route, fresh context, trivial handler, saturated", us(js_trivial),
    f"Node `vm.createContext` per call: {us(js_node)}", times(speedup),
    "≥3× faster (≈ ≤120 µs)", met(at_least(speedup, 3)),
    f"raw GraalJS fresh {us(score('JsCallBenchmark.rawGraalJsFreshContext', handler='trivial'))}, "
    f"reused {us(score('JsCallBenchmark.rawGraalJsReusedContext', handler='trivial'))}; "
    f"Node reused context {us(NODE.get('vm-reused-trivial'))}")
js_work, work_node = score("JsCallBenchmark.isolaHandle", handler="work"), NODE.get("vm-fresh-work")
row("P2", "the same with the `work` handler (JSON parse + 10 000-step loop)", us(js_work),
    f"Node `vm.createContext` per call: {us(work_node)}", times(div(work_node, js_work)), "(no goal)", "—",
    f"raw GraalJS fresh {us(score('JsCallBenchmark.rawGraalJsFreshContext', handler='work'))}, "
    f"reused {us(score('JsCallBenchmark.rawGraalJsReusedContext', handler='work'))}; "
    f"Node reused context {us(NODE.get('vm-reused-work'))}")
js_ready, how = latency("JsCallBenchmark.isolaHandleReady", handler="trivial")
row("P2w", "JS route at half load (a ready sandbox waiting), trivial handler", us(js_ready),
    f"Node `vm.createContext` per call: {us(js_node)}", times(div(js_node, js_ready)), "≤60 µs",
    met(at_most(js_ready, 60)), f"{how}; a 1 ms spin before each call leaves the preparer time to build")

# P3: scaling
lambda_scaling = div(score("ThroughputBenchmark.javaLambda2Threads", readySandboxes="0"),
                     score("ThroughputBenchmark.javaLambda1Thread", readySandboxes="0"))
for engine, label in (("wasm", "Wasm (`bench-page`)"), ("js", "JS (trivial)")):
    one = score(f"ThroughputBenchmark.{engine}1Thread", readySandboxes="0")
    two = score(f"ThroughputBenchmark.{engine}2Threads", readySandboxes="0")
    ready_one = score(f"ThroughputBenchmark.{engine}1Thread", readySandboxes="1")
    ready_two = score(f"ThroughputBenchmark.{engine}2Threads", readySandboxes="1")
    scaling = div(two, one)
    row("P3", f"throughput, 2 threads vs 1, {label}, one shared `Isola`, readySandboxes 0", f"{rate(one)} → {rate(two)}",
        f"Java lambda 2 vs 1: {times(lambda_scaling)}", times(scaling), "≥1.8×", met(at_least(scaling, 1.8)),
        f"with readySandboxes 1 (the preparer already gives 1 caller a second core): {rate(ready_one)} → {rate(ready_two)}")

# P4: dev server
isola_rps, isola_errors, isola_socket = wrk("wrk-isola.txt")
plain_rps, plain_errors, plain_socket = wrk("wrk-plain.txt")
share = div(isola_rps, plain_rps)
notes = []
if isola_errors or plain_errors:
    notes.append(f"non-2xx: Isola {isola_errors}, plain {plain_errors}")
for who, text in (("Isola", isola_socket), ("plain", plain_socket)):
    if text:
        notes.append(f"{who} {text}")
row("P4", "dev server, Wasm route (`bench-page`), `wrk -t2 -c16` on 127.0.0.1: requests/s", rate(isola_rps),
    f"JDK `HttpServer` hello: {rate(plain_rps)}", times(share), "≥0.7×", met(at_least(share, 0.7)),
    "; ".join(notes) or "no errors")

# P5: first response
for engine, label, goal in (("wasm", "Wasm (`bench-page`)", 500), ("js", "JS (trivial)", 1200)):
    for cds, how in (("off", "plain JVM"), ("on", "with an AppCDS archive (as `bin/isola`)")):
        first = median(FIRST[(engine, cds)])
        row("P5", f"first response after JVM launch, {label}, {how}, median of {len(FIRST[(engine, cds)])} JVMs",
            ms(first), "—", "—", f"≤{goal / 1000:g} s", met(at_most(first, goal)),
            f"from JVM start (RuntimeMXBean): {ms(median(FIRST_JVM[(engine, cds)]))}")

# P6: memory
kib, mib = 1024, 1024 * 1024
for case, label, retained_goal, alloc_goal, jmh_alloc in (
        ("wasm-page", "Wasm `bench-page`", 256 * kib, 64 * kib, alloc("WasmCallBenchmark.isolaPage")),
        ("wasm-wagi", "Wasm `wagi-hello`", 256 * kib, 64 * kib, alloc("WasmCallBenchmark.isolaWagi")),
        ("js-trivial", "JS trivial", 2 * mib, 128 * kib, alloc("JsCallBenchmark.isolaHandle", handler="trivial"))):
    for ready_count in (0, 1):
        retained, per_call = FOOTPRINT.get((case, ready_count), (None, None))
        row("P6", f"retained heap per idle route / allocation per call, {label}, readySandboxes {ready_count}",
            f"{size(retained)} / {size(per_call)}", "—", "—", f"≤{size(retained_goal)} / ≤{size(alloc_goal)}",
            f"{met(at_most(retained, retained_goal))} / {met(at_most(per_call, alloc_goal))}",
            f"JMH gc.alloc.rate.norm of the same call: {size(jmh_alloc)}" if ready_count == 1 else "")

# P7: KV get
peer_get = div(None if score("CapabilityBenchmark.javaKvGets", gets=1000) is None else
               score("CapabilityBenchmark.javaKvGets", gets=1000) - (score("CapabilityBenchmark.javaKvGets", gets=0) or 0), 1000)
for engine, label, goal in (("wasm", "Wasm (`bench-kv`, `isola:host/kv get`)", 2), ("js", "JS (`await env.KV.get`)", 5)):
    n, zero = score(f"CapabilityBenchmark.{engine}KvGets", gets=1000), score(f"CapabilityBenchmark.{engine}KvGets", gets=0)
    per_get = None if n is None or zero is None else (n - zero) / 1000
    row("P7", f"in-memory KV get from the guest, {label}: (t(1000 gets) − t(0)) / 1000", us(per_get),
        f"Java lambda, same store: {us(peer_get)}", times(div(per_get, peer_get)) + " slower" if per_get and peer_get else "n/a",
        f"≤{goal} µs", met(at_most(per_get, goal)), f"call with 0 gets: {us(zero)}"
        + (f"; Node `await env.KV.get` over a Map (reused vm context): {us(NODE.get('vm-kv-get'))}" if engine == "js" else ""))

# P8: runaway handler
for engine, label in (("js", "JS endless loop (JsLimitsTest)"), ("wasm", "Wasm endless loops (WasmWagiTest, WasmExtismTest)"),
                      ("after-hostile", "JS and Wasm endless loops right after each hostile case (CancellationTest)")):
    cases = [c for c in LIMITS if c[0] == engine]
    if cases:
        worst_case = max(cases, key=lambda c: c[2] - c[3])
        worst = worst_case[2] - worst_case[3]
        shown = cases if len(cases) <= 8 else [worst_case]
        detail = "; ".join(f"{what} {elapsed} ms (timeout {timeout} ms)" for _, what, elapsed, timeout in shown)
        if len(cases) > len(shown):
            detail = f"{len(cases)} stops; the worst: " + detail
        row("P8", f"runaway handler stopped after its deadline, {label}: worst overshoot", f"+{worst} ms", "—", "—",
            "≤ deadline + 50 ms", met(worst <= 50), detail)
    else:
        row("P8", f"runaway handler stopped after its deadline, {label}", "n/a", "—", "—", "≤ deadline + 50 ms", "n/a",
            "the test run did not happen or printed no [limits] lines")

# P8m: a JavaScript handler that keeps growing is stopped for its memory limit; computing ones are not
if OVERSHOOT:
    stopped = all(status == "memory" for *_, status in OVERSHOOT)
    computed = bool(COMPUTE) and all(status == "200" for _, status, _ in COMPUTE)
    worst = {}
    for kind, limit, held, growth, ms, status in OVERSHOOT:
        if held is not None:
            worst[limit] = max(worst.get(limit, 0), held)
    value = " / ".join(f"{worst[limit]} MiB at {limit} MiB" for limit in sorted(worst)) or "n/a"
    detail = "; ".join(f"{kind} {limit} MiB: held {held} MiB, heap +{growth} MiB, {ms} ms"
                       for kind, limit, held, growth, ms, status in OVERSHOOT)
    detail += "; computing 9.5 s at the defaults: " + ", ".join(f"{kind} {status} ({rate:.0f} MiB/s allocated)"
                                                              for kind, status, rate in COMPUTE)
    row("P8m", "JS memory bombs stopped, worst held at stop (MemoryOvershoot)", value, "—", "—",
        "every bomb stopped (MEMORY), computing runs to its end", met(stopped and computed), detail)
else:
    row("P8m", "JS memory bombs stopped (MemoryOvershoot)", "n/a", "—", "—",
        "every bomb stopped (MEMORY), computing runs to its end", "n/a", "MemoryOvershoot did not run")


# P9: component calls. A call's own cost is (caller calling it − the same caller not calling), so the
# caller's sandbox cancels out; the goal compares it with calling the callee directly (local) or with
# a plain java.net.http GET on loopback (remote). The ratio is Isola ÷ peer here.
def minus(a, b):
    return None if a is None or b is None else a - b


alone = score("ComponentCallBenchmark.wasmCallerAlone")
direct_js = score("ComponentCallBenchmark.directJsCallee")
for callee, label in (("Wasm", "Wasm callee (`bench-page`)"), ("Js", "JS callee (trivial)")):
    total, direct = score(f"ComponentCallBenchmark.wasmCallerTo{callee}"), score(f"ComponentCallBenchmark.direct{callee}Callee")
    call = minus(total, alone)
    ratio = div(call, direct)
    row("P9", f"local component call, Wasm caller (`bench-call`) → {label}: caller→component − caller alone", us(call),
        f"the callee as a route, direct `Isola.handle`: {us(direct)}", "n/a" if ratio is None else f"{times(ratio)} the peer",
        "≤1.2×", met(at_most(ratio, 1.2)), f"caller→component {us(total)}; caller alone {us(alone)}")
js_js = score("ComponentCallBenchmark.jsCallerToJs")
ratio = div(js_js, direct_js)
row("P9", "JS caller → JS component (`await env.callee.fetch(\"/x\")`, trivial callee): two fresh contexts", us(js_js),
    f"the callee as a route, direct `Isola.handle`: {us(direct_js)}", "n/a" if ratio is None else f"{times(ratio)} the peer",
    "(no goal)", "—", f"the call itself, taking the trivial route as the caller alone: {us(minus(js_js, direct_js))}")
remote, plain = score("ComponentCallBenchmark.wasmCallerToRemote"), score("ComponentCallBenchmark.plainHttpClient")
call = minus(remote, alone)
ratio = div(call, plain)
row("P9", "remote component call over loopback, Wasm caller → `bench-page` on a second Isola behind a `DevServer`:"
    " caller→remote − caller alone", us(call),
    f"`java.net.http` GET to a JDK `HttpServer` answering the same body: {us(plain)}",
    "n/a" if ratio is None else f"{times(ratio)} the peer", "≤2×", met(at_most(ratio, 2)),
    f"caller→remote {us(remote)}; caller alone {us(alone)}; both HTTP/1.1 on 127.0.0.1, the call signed with the node key")


# ---- the document -------------------------------------------------------------------------------

quick = MACHINE.get("mode") == "quick"
if quick:  # a verdict from one short iteration is no verdict: say so in every row
    rows = [r[:6] + (r[6] if r[6] in ("n/a", "—") else r[6] + " (quick run)",) + r[7:] for r in rows]


def table(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in body]
    return "\n".join(lines)


out = ["# Isola benchmark results", ""]
if quick:
    out += ["> **Quick run** (`jmh/run --quick`): one short iteration per benchmark, few calls per peer. It only",
            "> shows that the whole pipeline works; the numbers are not measurements. Run `jmh/run` for real ones.", ""]
out += ["Written by `jmh/run` from one run on one machine: every Isola number and its peer come from the same",
        "run. Times are per call (lower is better) unless marked /s. Speed-ups are peer time ÷ Isola time.", ""]
out += ["## Machine", ""]
for k in ("date", "mode", "cpu", "nproc", "memory", "os", "kernel", "jdk", "jvm flags", "node", "wrk", "graal jit"):
    if k in MACHINE:
        out.append(f"- {k}: {MACHINE[k]}")
out += ["", "## Goals", ""]
out.append(table(["id", "measure", "Isola", "peer", "ratio", "goal", "verdict", "notes"], rows))
out += ["", "How each row is measured: see `jmh/README.md`.", ""]

out += ["## All JMH results", ""]
body = []
for (name, params), (s, err, unit, a, threads) in sorted(JMH.items()):
    p = ", ".join(f"{k}={v}" for k, v in sorted(params))
    body.append((name, p or "—", threads, "n/a" if s is None else f"{s:,.3f}",
                 "" if err is None else f"± {err:,.3f}", unit, size(a)))
out.append(table(["benchmark", "params", "threads", "score", "error", "unit", "alloc/op"], body) if body else
           "No JMH results (jmh.json missing or empty).")
out += ["", "## Node peers", ""]
out.append("```\n" + (read("node.txt").strip() or "no output") + "\n```")
out += ["", "## First response, idle footprint, dev server load", ""]
out.append("```\n" + "\n".join(filter(None, [read("first-response.txt").strip(), read("footprint.txt").strip(),
                                               read("overshoot.txt").strip()])) + "\n```")
for name in ("wrk-isola.txt", "wrk-plain.txt"):
    text = read(name).strip()
    if text:
        out += ["", f"`{name}`:", "", "```\n" + text + "\n```"]
out.append("")

with open(OUTPUT, "w", encoding="utf-8") as f:
    f.write("\n".join(out))
print(f"report.py: wrote {OUTPUT} ({len(rows)} goal rows, {len(JMH)} JMH results)")
