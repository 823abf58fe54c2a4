"""`lwm-backend` command line: `lwm-backend serve --model DIR ...`.

JAX reads its device configuration once, when it first initialises, so the device and multi-process
settings are applied before anything imports the engine.
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger("lwm_backend.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lwm-backend", description="LWM remote backend (JAX, ring attention)")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="load a model and serve the HTTP API of PROTOCOL.md")
    model = serve.add_argument_group("model and devices")
    model.add_argument("--model", required=True, type=Path, help="model directory (weights, tokenizer.model, vqgan)")
    model.add_argument("--model-id", help="model id reported by /v1/models (default: the directory name)")
    model.add_argument("--mesh", default="1,1,1,-1", help="dp,fsdp,tp,sp device mesh; -1 takes the remaining devices")
    model.add_argument("--dtype", default="f32", choices=("f32", "bf16"), help="compute dtype")
    model.add_argument("--devices", type=int, help="simulate N CPU devices (per process), for tests and benchmarks")
    model.add_argument("--chunk-size", type=int, help="prefill chunk in tokens (progress and cancel granularity)")
    model.add_argument("--max-context", type=int, help="cap the context below the model's max_sequence_length")
    http = serve.add_argument_group("HTTP")
    http.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    http.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one (see the 'listening on' line)")
    http.add_argument("--token-file", help="file holding the bearer token (default: env LWM_BACKEND_TOKEN)")
    http.add_argument("--tls-cert", help="TLS certificate (PEM); serve HTTPS with --tls-key")
    http.add_argument("--tls-key", help="TLS private key (PEM)")
    http.add_argument("--ping-interval", type=float, default=15.0, help="seconds of silence before an SSE ': ping'")
    http.add_argument("--progress-interval", type=float, default=1.0,
                      help="least seconds between prompt_progress frames (the last one is always sent)")
    http.add_argument("--max-body-bytes", type=int, default=64 << 20, help="larger request bodies get 413")
    http.add_argument("--default-max-tokens", type=int, default=1024, help="max_tokens when a request gives none")
    work = serve.add_argument_group("sessions and admission")
    work.add_argument("--session-ttl", type=float, default=3600.0, help="seconds an unused session is kept")
    work.add_argument("--session-headroom", type=int, default=8192,
                      help="tokens a new session can hold beyond its document when it asks for no capacity")
    work.add_argument("--kv-budget-bytes", type=int, default=0,
                      help="most KV bytes pinned by sessions (0: no limit); over it new sessions get 429")
    work.add_argument("--max-queue", type=int, default=16, help="most queued or running requests; over it 503")
    multi = serve.add_argument_group("multi-host (jax.distributed)")
    multi.add_argument("--coordinator", help="host:port of process 0's JAX coordinator")
    multi.add_argument("--num-processes", type=int, default=1)
    multi.add_argument("--process-id", type=int, default=0)
    multi.add_argument("--control-port", type=int,
                       help="port of process 0's control channel (default: coordinator port + 1)")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    return serve(args)


def serve(args) -> int:
    _validate(args)
    from .auth import load_token

    token = load_token(args.token_file)
    _configure_jax(args)
    if args.num_processes > 1 and args.process_id != 0:
        return _follow(args, token)
    return _lead(args, token)


def _validate(args) -> None:
    if bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("give both --tls-cert and --tls-key, or neither")
    if args.num_processes > 1 and not args.coordinator:
        raise SystemExit("--num-processes > 1 needs --coordinator host:port")
    if not 0 <= args.process_id < max(args.num_processes, 1):
        raise SystemExit("--process-id must be in [0, --num-processes)")
    if not args.model.is_dir():
        raise SystemExit(f"--model {args.model} is not a directory")
    for name in ("ping_interval", "session_ttl", "max_body_bytes", "default_max_tokens", "max_queue"):
        if getattr(args, name) <= 0:
            raise SystemExit(f"--{name.replace('_', '-')} must be > 0")
    if args.progress_interval < 0 or args.kv_budget_bytes < 0 or args.session_headroom < 0:
        raise SystemExit("--progress-interval, --kv-budget-bytes and --session-headroom must be >= 0")


def _configure_jax(args) -> None:
    import jax

    if args.devices:
        jax.config.update("jax_platforms", "cpu")
        jax.config.update("jax_num_cpu_devices", args.devices)
    if args.num_processes > 1:
        from .multihost import initialize

        initialize(args.coordinator, args.num_processes, args.process_id)


def _load_engine(args):
    from .engine import LwmEngine

    return LwmEngine.load(args.model, mesh=args.mesh, dtype=args.dtype, chunk_size=args.chunk_size,
                          max_context=args.max_context, model_id=args.model_id)


def _follow(args, token: str) -> int:
    from .engine import Cancelled
    from .multihost import connect_follower, control_address, follow

    engine = _load_engine(args)
    sock = connect_follower(control_address(args.coordinator, args.control_port), token, args.process_id)
    print(f"process {args.process_id} following process 0", flush=True)
    follow(engine, sock, Cancelled)
    return 0


def _lead(args, token: str) -> int:
    import uvicorn

    from .generation import EngineWorker, JobContext
    from .prompt import Tokenizer
    from .server import Backend, ServerConfig, create_app
    from .sessions import RequestRegistry, SessionStore

    sessions = SessionStore(args.kv_budget_bytes, args.session_ttl)
    requests = RequestRegistry()
    worker = EngineWorker(args.max_queue)

    def load_context() -> JobContext:
        engine = _load_engine(args)
        if args.num_processes > 1:
            from .multihost import LeaderChannel, MirroredEngine, control_address

            channel = LeaderChannel(control_address(args.coordinator, args.control_port),
                                    args.num_processes - 1, token)
            engine = MirroredEngine(engine, channel)
        return JobContext(engine=engine, tokenizer=Tokenizer.from_model_dir(args.model), sessions=sessions,
                          requests=requests, progress_interval_s=args.progress_interval)

    config = ServerConfig(token=token, ping_interval_s=args.ping_interval, max_body_bytes=args.max_body_bytes,
                          default_max_tokens=args.default_max_tokens, session_headroom=args.session_headroom)
    app = create_app(Backend(config, worker, sessions, requests, on_shutdown=lambda: _leave_cluster(args, worker)))
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, ssl_certfile=args.tls_cert,
                                           ssl_keyfile=args.tls_key, log_level="warning", access_log=False,
                                           timeout_graceful_shutdown=2))
    worker.start(load_context)
    threading.Thread(target=_announce_when_ready, args=(server, worker, bool(args.tls_cert)), daemon=True).start()
    server.run()
    return 1 if worker.load_error is not None else 0


def _leave_cluster(args, worker) -> None:
    """Multi-host: close the control channel (the followers exit) and leave jax.distributed with them."""
    if args.num_processes > 1 and worker.context is not None:
        worker.context.engine.close()


def _announce_when_ready(server, worker, tls: bool) -> None:
    """Prints the one 'listening on URL' line once the socket is bound and the model is loaded."""
    worker.ready.wait()
    if worker.load_error is not None:
        print(f"error: could not load the model: {worker.load_error}", file=sys.stderr, flush=True)
        server.should_exit = True
        return
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    print(f"listening on {'https' if tls else 'http'}://{host}:{port}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
