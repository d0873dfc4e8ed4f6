"""Run `triage batch` over a JSON Lines file on Apache Spark, one `triage` process per partition.

    spark-submit triage_batch.py INPUT OUTPUT [--triage PATH] [--kb NAME_OR_DIR] [--partitions N]

INPUT is a JSON Lines file of fact sets (or anything `SparkContext.textFile` reads); OUTPUT is
the folder of part files Spark writes, one record per input line, which `triage report OUTPUT`
reads. `--triage` is the binary (default: `triage` on the driver's PATH); it is shipped to the
executors with `SparkContext.addFile`, and so is `--kb` when it is a folder (`rdp` and `ssh`
name the knowledge bases embedded in the binary and ship nothing). Each partition pipes its
lines through `triage batch - --jobs 1 --kb ...`, as `rdd.pipe` does, and the `line` number of
each record is made the line's number in the whole input, so the part files hold exactly what
`triage batch INPUT` prints, partition by partition.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading

from pyspark import SparkFiles
from pyspark.sql import SparkSession

# The record's own `line` key: the first `"line":` after `{` or `,`. Inside a JSON string a
# quote is always escaped, so this cannot match in the text of an error message or a host.
LINE_KEY = re.compile(rb'([{,]"line":)(\d+)')


def arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--triage", default=shutil.which("triage") or "triage")
    parser.add_argument("--kb", default="rdp", help="rdp, ssh, or a knowledge-base folder")
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--detail", choices=["summary", "full"], default="summary")
    return parser.parse_args(argv)


def diagnose_partition(command, offsets):
    """The function each task runs: its lines through one `triage batch --jobs 1` process."""

    def run(index, lines):
        argv = [SparkFiles.get(command[0])] + [
            SparkFiles.get(a[len("sparkfiles:"):]) if a.startswith("sparkfiles:") else a
            for a in command[1:]
        ]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1"}
        process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        errors = []

        def feed():
            try:
                for line in lines:
                    process.stdin.write(line.encode("utf-8") + b"\n")
            finally:
                process.stdin.close()

        def drain():
            errors.append(process.stderr.read())

        threads = [threading.Thread(target=feed), threading.Thread(target=drain)]
        for thread in threads:
            thread.start()
        offset = offsets[index]
        for record in process.stdout:
            record = record.rstrip(b"\n")
            if offset:
                record = LINE_KEY.sub(
                    lambda m: m.group(1) + str(int(m.group(2)) + offset).encode(), record, count=1
                )
            yield record.decode("utf-8")
        for thread in threads:
            thread.join()
        code = process.wait()
        # 0: every line diagnosed; 1: some lines have error records (they are in the output).
        if code not in (0, 1):
            message = b"".join(errors).decode("utf-8", "replace")
            raise RuntimeError(f"{' '.join(argv)} exited with {code}: {message}")

    return run


def main(argv):
    args = arguments(argv)
    spark = SparkSession.builder.appName("triage batch").getOrCreate()
    sc = spark.sparkContext
    triage = os.path.abspath(args.triage) if os.path.sep in args.triage else shutil.which(args.triage)
    if not triage or not os.access(triage, os.X_OK):
        sys.exit(f"triage_batch.py: no triage binary at {args.triage!r} (--triage PATH)")
    sc.addFile(triage)
    command = [os.path.basename(triage), "batch", "-", "--jobs", "1", "--detail", args.detail]
    if os.path.isdir(args.kb):
        kb = os.path.abspath(args.kb).rstrip(os.path.sep)
        sc.addFile(kb, recursive=True)
        command += ["--kb", "sparkfiles:" + os.path.basename(kb)]
    else:
        command += ["--kb", args.kb]

    lines = sc.textFile(args.input, minPartitions=args.partitions)
    # Lines before each partition, so a record's `line` counts from the start of the input.
    counts = lines.mapPartitions(lambda part: [sum(1 for _ in part)]).collect()
    offsets = [sum(counts[:i]) for i in range(len(counts))]
    lines.mapPartitionsWithIndex(diagnose_partition(command, offsets)).saveAsTextFile(args.output)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
