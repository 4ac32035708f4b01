"""What a full compliance policy costs `ivrc compile --recipients`: the same campaign compiled
with and without it, side by side, in time and peak memory.

    python benchmarks/policy_million.py [--rows 1000000]

Writes N recipients (with a consent date), two do-not-call lists of N numbers each (one in the
local form people write, one kept hashed as sha256 of the E.164 number; each holds 1% of the
recipients), and N call records of an earlier campaign (a few recipients at the attempt cap, a
few opted out). The policy has weekday windows, a quiet day, public holidays, both lists with a
freshness limit, consent with an age, an attempt cap and the history. Each compile runs in its
own child process, which reports its peak resident memory. The goal: with the policy at most
1.3 times the time without it, and under 300 MiB."""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recipients_million import NAMES, measured  # noqa: E402

FLOW = """\
region IL
dialer "bench-offer" {
    return_address "https://hooks.example.com/ivr"
    number recipient.phone
    cli "03-123-4567"
    ring_timeout 25s
}
step offer {
    say "Advertisement from Tevel: hello $name$, press 1 for the offer, or 9 to stop" with name = recipient.name
    on 1 { play "Two tickets for one"; hangup }
    on 9 { mark remove; hangup }
}
"""
POLICY = """\
region = "IL"
[policy]
purpose = "marketing"
sender = "Tevel"
calling_hours = { default = "08:00-21:00", friday = "08:00-13:00" }
quiet_days = ["saturday"]
holidays = true
default_timezone = "Asia/Jerusalem"
suppress = ["../registry.csv", "../hashed.txt"]
suppress_max_age = "15d"
consent_column = "consent_date"
consent_max_age = "365d"
max_attempts = "3/7d"
history = ["../records.csv"]
"""
START = "2030-12-09T07:00+02:00"
RECORD = "031234567,{number},2030-12-0{day} 10:00:00+02,,,25,0,NO_ANSWER,earlier-{n},{steps}\n"
REMOVE = '"{""steps"": [{""step_name"": ""offer"", ""dtmf"": ""9"", ""mark"": ""remove""}]}"'


def _number(n: int) -> str:
    return f"9725{2 + n // 10_000_000}{n % 10_000_000:07d}"


def write_project(folder: Path, rows: int, policy: bool) -> None:
    folder.mkdir()
    (folder / "flow.ivr").write_text(FLOW, encoding="utf-8")
    (folder / "ivrc.toml").write_text(POLICY if policy else 'region = "IL"\n', encoding="utf-8")


def write_inputs(folder: Path, rows: int) -> None:
    with (folder / "recipients.csv").open("w", encoding="utf-8", newline="") as out:
        out.write("id,name,phone,consent_date\r\n")
        for n in range(rows):
            out.write(f"{n},{NAMES[n % len(NAMES)]},+{_number(n)},2030-0{1 + n % 9}-15\r\n")
    with (folder / "registry.csv").open("w", encoding="utf-8") as out:
        out.write("# as of 2030-12-05\nphone\n")
        for n in range(rows):  # 1% of the recipients, the rest numbers nobody here calls
            number = _number(n) if n % 100 == 7 else _number(rows + n)
            out.write(f"0{number[3:5]}-{number[5:]}\n")
    with (folder / "hashed.txt").open("w", encoding="utf-8") as out:
        out.write("# as of 2030-12-06\n")
        for n in range(rows):
            number = _number(n) if n % 100 == 11 else _number(2 * rows + n)
            out.write(f"sha256:{hashlib.sha256(('+' + number).encode()).hexdigest()}\n")
    with (folder / "records.csv").open("w", encoding="utf-8") as out:
        out.write(
            "cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,hangup_cause,unique_campaign_id,steps\n"
        )
        for n in range(rows):  # every recipient called once; 1 in 50 three times; 1 in 200 opted out
            steps = REMOVE if n % 200 == 13 else ""
            out.write(RECORD.format(number=_number(n), day=2 + n % 5, n=n, steps=steps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ivrc-bench-"))
    try:
        write_inputs(folder, args.rows)
        with (folder / "records.csv").open("a", encoding="utf-8") as out:
            for n in range(0, args.rows, 50):
                out.write(RECORD.format(number=_number(n), day=5, n=n, steps="") * 2)
        results = {}
        for name, policy in (("without", False), ("with", True)):
            project = folder / name
            write_project(project, args.rows, policy)
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(project / "flow.ivr"), str(folder / "recipients.csv")],
                capture_output=True,
                text=True,
                check=True,
            )
            results[name] = done.stdout.strip().split()
        print(f"recipients: {args.rows:,}; two lists of {args.rows:,} numbers; {args.rows:,}+ call records")
        for name in ("without", "with"):
            seconds, peak, code, lines = results[name]
            print(
                f"compile --recipients {name} the policy: {float(seconds):6.1f} s, peak {float(peak):5.0f} MiB, "
                f"{int(lines):,} requests (exit {code})"
            )
        ratio = float(results["with"][0]) / float(results["without"][0])
        print(
            f"with ÷ without: {ratio:.2f} (goal: at most 1.30); "
            f"peak with the policy {float(results['with'][1]):.0f} MiB (goal: under 300)"
        )
    finally:
        shutil.rmtree(folder)


def child(flow: str, recipients: str) -> None:
    out = Path(flow).with_name("requests.jsonl")
    command = [sys.executable, "-m", "ivrc", "compile", flow, "--recipients", recipients, "--start-at", START]
    seconds, peak, code = measured([*command, "-o", str(out)])
    lines = sum(1 for _ in out.open("rb")) if out.exists() else 0
    print(f"{seconds:.2f} {peak:.0f} {code} {lines}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
    else:
        main()
