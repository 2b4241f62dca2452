"""Run a Maelstrom node program (any language) as simulated hosts: ``--bin PROGRAM``.

Each node is one child process speaking Maelstrom's protocol on stdin/stdout: it first gets
``init`` (``node_id``, ``node_ids``) and must answer ``init_ok``; then every message the
simulated network delivers is written to its stdin as one JSON line, and every line it prints
is sent into the simulated network (to a client or another node), subject to latency,
partitions and the nemesis. A crash kills the child; a restart starts a new one (state must
come back from the node's own files, which kubelab does not simulate for child processes).

Virtual time stands still while the harness talks to a child: after delivering a message it
waits (real time) for the first line the child prints, up to `reply_wait` for a request (a
body with ``msg_id``) and up to `settle` for anything else, then takes every line already
available; output printed later (timers of the node's own) is collected every `poll` virtual
seconds. A node that answers each message at once, from its input alone, therefore replays
exactly from a seed; a node that prints on its own clock, reads its own randomness, or answers
one message with lines printed far apart replays only approximately.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import IO, Any

from fault_injection.maelstrom.protocol import ProtocolError, decode, encode
from fault_injection.sim import Message, Process, World


class BinNodeError(RuntimeError):
    """A node program could not start or broke the protocol; the message names the node."""


class _Child:
    """One running node program and its line buffer."""

    def __init__(self, argv: Sequence[str], stderr: IO[bytes] | int) -> None:
        try:
            self.popen = subprocess.Popen(
                list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
            )
        except OSError as exc:
            raise BinNodeError(f"cannot start node program {argv[0]!r}: {exc}") from None
        assert self.popen.stdout is not None
        self.fd = self.popen.stdout.fileno()
        self.buffer = b""
        self.closed = False

    def write(self, line: str) -> None:
        stdin = self.popen.stdin
        if stdin is None or self.closed:
            return
        try:
            stdin.write(line.encode())
            stdin.flush()
        except BrokenPipeError:
            self.closed = True

    def lines(self, wait: float) -> list[str]:
        """Lines printed so far; wait up to `wait` real seconds for the first one."""
        out: list[str] = []
        timeout = wait
        while not self.closed:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                break
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.closed = True
                break
            self.buffer += chunk
            *complete, self.buffer = self.buffer.split(b"\n")
            out.extend(c.decode() for c in complete if c.strip())
            if out:
                timeout = 0.0
        return out

    def kill(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError):
            self.popen.kill()
        self.popen.wait()
        for pipe in (self.popen.stdin, self.popen.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


class BinSystem:
    """Maelstrom node programs as a `System`: one child process per simulated node."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        reply_wait: float = 1.0,
        poll: float = 0.01,
        settle: float = 0.05,
        init_wait: float = 10.0,
        log_dir: Path | None = None,
    ) -> None:
        self.argv = list(argv)
        self.label = f"bin {' '.join(self.argv)}"
        self.reply_wait = reply_wait
        self.poll = poll
        self.settle = settle
        self.init_wait = init_wait
        self.log_dir = log_dir
        self._children: dict[str, _Child] = {}
        self._logs: list[IO[bytes]] = []

    @contextlib.asynccontextmanager
    async def open(self, world: World, nodes: list[str]) -> AsyncIterator[None]:
        try:
            for node in nodes:
                world.add_host(node, self._program(node, nodes))
            yield
        finally:
            for child in self._children.values():
                child.kill()
            self._children.clear()
            for log in self._logs:
                log.close()

    def _stderr(self, node: str) -> IO[bytes] | int:
        if self.log_dir is None:
            return subprocess.DEVNULL
        log = (self.log_dir / f"{node}.stderr").open("ab")
        self._logs.append(log)
        return log

    def _start(self, node: str, nodes: list[str]) -> _Child:
        old = self._children.pop(node, None)
        if old is not None:
            old.kill()
        child = _Child(self.argv, self._stderr(node))
        self._children[node] = child
        init = {"type": "init", "msg_id": 0, "node_id": node, "node_ids": list(nodes)}
        child.write(encode("c0", node, init))
        for line in child.lines(self.init_wait):
            _, _, body = self._decode(node, line)
            if body.get("type") == "init_ok":
                return child
        raise BinNodeError(f"node {node} ({self.label}) did not answer init with init_ok")

    def _decode(self, node: str, line: str) -> tuple[str, str, dict[str, Any]]:
        try:
            return decode(line)
        except ProtocolError as exc:
            raise BinNodeError(f"node {node} ({self.label}) printed a bad line: {exc}") from None

    def _program(self, node: str, nodes: list[str]) -> Callable[[Process], None]:
        def boot(proc: Process) -> None:
            child = self._start(node, nodes)

            def forward(lines: list[str]) -> None:
                for line in lines:
                    _, dest, body = self._decode(node, line)
                    proc.send(dest, body)

            def on_message(msg: Message) -> None:
                body = msg.payload
                child.write(encode(msg.src, node, body))
                forward(child.lines(self.reply_wait if "msg_id" in body else self.settle))

            def poll() -> None:
                forward(child.lines(0.0))
                proc.call_later(self.poll, poll)

            proc.on_message(on_message)
            proc.call_later(self.poll, poll)

        return boot
