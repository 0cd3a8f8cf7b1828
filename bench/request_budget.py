import sys, time, json, functools
import scheduler.optimise as opt
import scheduler.lns as lns
from bench.planners import Instance, build_request
from scheduler.compiler import compile_request
T = {}
def timed(name, f):
    @functools.wraps(f)
    def g(*a, **k):
        t = time.perf_counter(); c = time.process_time(); r = f(*a, **k)
        T[name] = (round(time.perf_counter() - t, 2), round(time.process_time() - c, 2)); return r
    return g
for n in ("placement_bound", "warm_start", "relaxation_start", "improve", "fill_gaps", "add_bounds", "relaxation_bound", "solve"):
    if hasattr(opt, n): setattr(opt, n, timed(n, getattr(opt, n)))
seen = {}
orig_improve = opt.improve
def spy(problem, chosen, budget, *a, **k):
    seen["lns_budget"] = round(budget, 3)
    r = orig_improve(problem, chosen, budget, *a, **k)
    seen["lns_spent_counted"] = round(r[1].spent, 3); return r
opt.improve = spy
orig_sr = opt.start_relaxation
def spy_sr(*a, **k):
    r = orig_sr(*a, **k); seen["lp"] = r; return r
opt.start_relaxation = spy_sr
scen = sys.argv[3] if len(sys.argv) > 3 else "dealer-2011"; load = float(sys.argv[4]) if len(sys.argv) > 4 else 1.3
seed = int(sys.argv[1]); limit = float(sys.argv[2])
compiled = compile_request(build_request(Instance(f"x#s{seed}", scen, load, seed), limit))
p = compiled.problem
t = time.perf_counter(); c = time.process_time()
sol = opt.optimise(compiled)
lp = seen.pop("lp")
out = {"total_wall": round(time.perf_counter() - t, 2), "total_cpu": round(time.process_time() - c, 2),
       "counted_outside": round(opt.outside_search(p, limit), 3), "counted_lp": round(lp.seconds, 3) if lp else None,
       "dispatch_seconds": opt.dispatch_seconds(p), **seen, "phases (wall, cpu)": T, "objective": sol.objective, "notes": sol.notes[-2:]}
print(json.dumps(out))
