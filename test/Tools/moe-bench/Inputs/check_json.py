"""Prints what a moe-bench JSON holds, a line per row, and fails on a
row whose times or rates are not positive: `check_json.py FILE WHO...`
lists, per token count, which of WHO have a row."""
import json
import sys

data = json.load(open(sys.argv[1]))
rows = data["rows"]
print(f"rows {len(rows)}, dtype {data['dtype']}, threads {data['threads']}")
for row in rows:
    present = [who for who in sys.argv[2:] if who in row]
    for who in present:
        r = row[who]
        assert r["ms"] > 0 and r["gflops"] > 0 and r["gbs"] > 0, (who, r)
        assert r["all_ms"] and min(r["all_ms"]) > 0, (who, r)
    check = row["check"]
    print(f"T={row['tokens']} {' '.join(present)} check={check['against']} "
          f"{'ok' if check['ok'] else 'FAILED'}")
roof = data["roofline"]
assert roof["sgemm_gflops"] > 0 and roof["stream_gbs"] > 0, roof
print(f"roofline samples {len(roof['sgemm_gflops_samples'])}")
