"""Answers health probes with the ``carla`` client of the evaluator's interpreter, one request per line.

The client library must match the server's version (its protocol changes between releases), and
the supervisor's own interpreter may hold another one (or none: CARLA 0.9.10.1's client exists only
for Python 3.7), so probes run here, in the evaluator's interpreter, started once per server:

    <evaluator python> -m sim.carla.probe_worker HOST PORT
    stdin:  "version <timeout s>" | "frame <timeout s>"      stdout: "ok <value>" | "error <text>"

Kept to the standard library and Python 3.7 syntax.
"""

import sys


def answer(client, request):
    kind, timeout = request.split()
    client.set_timeout(float(timeout))
    if kind == "version":
        return client.get_server_version()
    if kind == "frame":
        return client.get_world().get_snapshot().frame
    raise ValueError(f"unknown probe {kind!r}")


def main():
    import carla

    client = carla.Client(sys.argv[1], int(sys.argv[2]))
    for line in sys.stdin:
        try:
            reply = f"ok {answer(client, line)}"
        except Exception as error:  # every failure is an answer; the supervisor decides what it means
            reply = "error {}".format(str(error).replace("\n", " "))
        sys.stdout.write(reply + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
