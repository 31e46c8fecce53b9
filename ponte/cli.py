"""The `ponte` command: serve, web, worker, init, engine set, demo, migrate, ai eval, import."""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import uuid


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ponte.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _background_loops() -> list:
    """The inbox drainer, the outbound sender, the session supervisor, the sweep, the
    lead scorer, the media worker, the transcriber of voice notes and the desk's timers."""
    from ponte.ai.transcripts import transcribing
    from ponte.conversations.media_downloads import downloading
    from ponte.conversations.sender import sending
    from ponte.desk.worker import desk_timers
    from ponte.inbox.sweep import sweeper
    from ponte.inbox.worker import drainer
    from ponte.leads.worker import scoring
    from ponte.sessions.supervisor import supervision

    return [drainer, sending, supervision, sweeper, scoring, downloading, transcribing,
            desk_timers]


def _run_web(host: str, port: int, *, with_worker: bool) -> None:
    import uvicorn

    worker = WorkerProcess().start() if with_worker else None
    print(f"Ponte listening on http://{host}:{port}", flush=True)
    try:
        uvicorn.run("ponte.asgi:application", host=host, port=port, access_log=False,
                    log_level=os.environ.get("PONTE_UVICORN_LOG_LEVEL", "warning"),
                    lifespan="on",
                    # Forwarded headers are ours to judge (ponte.proxies, PONTE_TRUSTED_PROXIES):
                    # uvicorn's default believes any X-Forwarded-For from 127.0.0.1.
                    proxy_headers=False)
    finally:
        if worker is not None:
            worker.stop()


class WorkerProcess:
    """`ponte worker` beside the web process, restarted if it dies, gone when the web goes.

    The worker holds the read end of a pipe whose write end only this process has: when
    this process ends, however it ends, the worker reads end-of-file and stops.
    """

    RESTART_PAUSE_SECONDS = 1.0

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._lifeline_read, self._lifeline_write = os.pipe()

    def start(self) -> "WorkerProcess":
        self._spawn()
        threading.Thread(target=self._watch, name="ponte-worker-watch", daemon=True).start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()

    def _spawn(self) -> None:
        env = dict(os.environ, PONTE_LIFELINE_FD=str(self._lifeline_read))
        self._proc = subprocess.Popen([sys.executable, "-m", "ponte", "worker"], env=env,
                                      pass_fds=(self._lifeline_read,))

    def _watch(self) -> None:
        while not self._stopping.is_set():
            code = self._proc.wait()
            if self._stopping.is_set():
                return
            print(f"Ponte worker exited ({code}); starting it again", file=sys.stderr, flush=True)
            if self._stopping.wait(self.RESTART_PAUSE_SECONDS):
                return
            self._spawn()


def _default_public_url(host: str, port: int) -> None:
    everywhere = host in ("0.0.0.0", "::")
    if everywhere and not os.environ.get("PONTE_PUBLIC_URL"):
        print("Warning: PONTE_PUBLIC_URL is not set; only requests addressed to 127.0.0.1 or "
              "localhost are accepted. Set it to the address people and engines use.",
              file=sys.stderr, flush=True)
    shown = "127.0.0.1" if everywhere else host
    if ":" in shown:
        shown = f"[{shown}]"
    os.environ.setdefault("PONTE_PUBLIC_URL", f"http://{shown}:{port}")


def cmd_serve(args: argparse.Namespace) -> None:
    _default_public_url(args.host, args.port)
    _setup()
    _migrate()
    _run_web(args.host, args.port, with_worker=True)


def cmd_web(args: argparse.Namespace) -> None:
    _default_public_url(args.host, args.port)
    _setup()
    _run_web(args.host, args.port, with_worker=False)


def cmd_worker(args: argparse.Namespace) -> None:
    import signal

    _setup()
    from ponte import nudges, realtime

    realtime.publish_from_worker_process()
    loops = {loop.name: loop.start() for loop in _background_loops()}
    wakes = nudges.Listener(nudges.WORKER, lambda nudge: _wake(loops, nudge)).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    lifeline = os.environ.pop("PONTE_LIFELINE_FD", "")
    if lifeline:
        threading.Thread(target=lambda: (os.read(int(lifeline), 1), stop.set()),
                         daemon=True).start()
    print("Ponte worker: inbox, sends, session supervision, the sweep, lead scores and media",
          flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    wakes.stop()
    for loop in loops.values():
        loop.stop()


def _wake(loops: dict, nudge: dict) -> None:
    loop = loops.get(nudge.get("wake"))
    if loop is not None:
        loop.wake()


def cmd_migrate(args: argparse.Namespace) -> None:
    _setup()
    _migrate()


def _check_webhook_signing(adapter, args: argparse.Namespace) -> None:
    """An engine that signs its posts needs the secret to check them, or a loud opt-out."""
    if not adapter.signs_webhooks or args.app_secret:
        return
    if not args.allow_unsigned_webhooks:
        sys.exit(f"{adapter.label} signs its webhooks: pass --app-secret (the app's secret in "
                 "Meta's dashboard), or --allow-unsigned-webhooks to accept unsigned posts.")
    print("WARNING: --allow-unsigned-webhooks: anyone who learns the webhook URL can post "
          "fake messages to this number. Set the App Secret in Settings > WhatsApp.",
          file=sys.stderr, flush=True)


def cmd_init(args: argparse.Namespace) -> None:
    _setup()
    _migrate()
    from ponte.accounts.services import do_provision_organization
    from ponte.engines import UnknownEngine, adapter_for

    try:
        adapter = adapter_for(args.engine)
    except UnknownEngine as exc:
        sys.exit(str(exc))
    _check_webhook_signing(adapter, args)
    made = do_provision_organization(args.org, args.engine, engine_url=args.engine_url or "",
                                     secrets_list=args.secret or [],
                                     app_secret=args.app_secret or "",
                                     phone_number_id=args.phone_number_id or "",
                                     allow_unsigned_webhooks=args.allow_unsigned_webhooks)
    result = {
        "organization_id": str(made.org.id),
        "instance_id": str(made.instance.id),
        "webhook_url": made.instance.webhook_path,
        "api_key": made.api_key,
        "owner_email": made.owner_email,
        "owner_password": made.owner_password,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    _warn_if_unconfigured(made.instance)


def _warn_if_unconfigured(instance) -> None:
    from ponte.engines.calls import is_configured

    if not is_configured(instance):
        print(f"warning: instance {instance.id} has no engine settings yet, so its messages "
              "will not go out. Set them with `ponte engine set --url URL --secret SECRET` "
              "or in Settings > WhatsApp.", file=sys.stderr)


def cmd_engine_set(args: argparse.Namespace) -> None:
    """Change an instance's engine address and secrets after `ponte init`, then check it."""
    _setup()
    from ponte.accounts.models import Instance
    from ponte.accounts.services import EngineSettingsRejected, check_engine_url
    from ponte.sessions.engine_settings import check_session_now, do_reconfigure_engine

    if args.instance:
        try:
            instance = Instance.objects.filter(pk=uuid.UUID(args.instance)).first()
        except ValueError:  # not an id at all
            instance = None
        if instance is None:
            sys.exit(f"no instance {args.instance}")
    else:
        instances = list(Instance.objects.all()[:2])
        if len(instances) != 1:
            sys.exit("give --instance ID: there is not exactly one instance")
        instance = instances[0]
    try:
        url = None if args.url is None else check_engine_url(args.url)
    except EngineSettingsRejected as exc:
        sys.exit(exc.detail)
    changed = do_reconfigure_engine(instance, base_url=url, secrets_list=args.secret,
                                    phone_number_id=args.phone_number_id)
    print(f"instance {instance.id}: " + (f"changed {', '.join(changed)}" if changed
                                          else "nothing changed"))
    state = check_session_now(instance)
    print(f"session: {state}" + (f" (last error: {instance.last_error})"
                                 if instance.last_error and state != "connected" else ""))
    _warn_if_unconfigured(instance)


def cmd_demo(args: argparse.Namespace) -> None:
    os.environ["PONTE_DEMO"] = "1"
    _default_public_url(args.host, args.port)
    _setup()
    print("Preparing the demo database and its seeded shop…", flush=True)
    _migrate()
    from ponte import demo

    engine = None if args.no_simulator else demo.start_simulated_engine()
    credentials = demo.seed(engine.base_url if engine else "")
    print("Demo organization ready. Sign in with:", flush=True)
    print(f"  email:    {credentials.email}\n  password: {credentials.password}", flush=True)
    if engine is not None:
        demo.start_simulated_customers(engine, credentials.session)
        demo.start_simulated_phone(engine, credentials.session)
    _run_web(args.host, args.port, with_worker=True)


def cmd_ai_eval(args: argparse.Namespace) -> None:
    """How the lead scorer does on labelled data: the shipped files, or the FILEs given."""
    from pathlib import Path

    from ponte.ai.evaluate import evaluate
    from ponte.ai.labelled import NotLabelledData, read_files, shipped
    from ponte.ai.remote import ProviderFailed
    from ponte.ai.report import evaluation_table

    try:
        messages, conversations = (read_files([Path(name) for name in args.files]) if args.files
                                   else shipped())
    except (OSError, NotLabelledData) as exc:
        sys.exit(str(exc))
    if not messages and not conversations:
        sys.exit("nenhum dado rotulado para avaliar")
    if args.cross_validate:
        from ponte.ai.crossval import cross_validate, cross_validation_report

        result = cross_validate(messages, conversations, args.folds)
        print(cross_validation_report(result, args.folds, misses=args.misses))
        return
    provider = _provider_to_evaluate(args)
    try:
        results = evaluate(provider, messages, conversations)
    except ProviderFailed as exc:
        sys.exit(f"{provider.name}: {exc.detail}")
    print(evaluation_table(results, provider.name))


def _provider_to_evaluate(args: argparse.Namespace):
    """The built-in model; a remote one named on the command line (its key from
    PONTE_AI_API_KEY, never an argument that `ps` would show); or an organization's choice
    in Settings › IA, called directly: no budget and no fallback, so the figures are its own."""
    from ponte.ai.offline import trained
    from ponte.ai.remote import RemoteConfig, remote_provider

    if args.org:
        _setup()
        from ponte.accounts.models import Organization
        from ponte.ai.choice import remote_config_for

        org = Organization.objects.filter(name=args.org).first()
        if org is None:
            sys.exit(f"organização não encontrada: {args.org}")
        config = remote_config_for(org.pk)
        return trained() if config is None else remote_provider(config)
    if args.provider == "offline":
        return trained()
    _setup()  # the providers' failures are told in the configured language
    return remote_provider(RemoteConfig(kind=args.provider, model=args.model,
                                        api_key=os.environ.get("PONTE_AI_API_KEY", ""),
                                        base_url=args.base_url))


IMPORT_UNUSABLE = 2  # exit status: nothing loaded (1 is "some rows refused")


def cmd_import(args: argparse.Namespace) -> None:
    """A CSV of customers or sales into an organization's ERP data; see `ponte import -h`."""
    import time
    from pathlib import Path

    _setup()
    from ponte.erp.csv_import import KINDS, import_table, parse_mapping, printable, report_lines
    from ponte.erp.csv_reading import UnreadableFile, read_table

    _stop_if_not_migrated()
    org = _organization_for_import(args.org)
    kind = KINDS[args.kind]
    started = time.perf_counter()
    try:
        mapping = parse_mapping(args.map or [], kind)
        table = read_table(Path(args.file).read_bytes(), delimiter=args.delimiter,
                           encoding=args.encoding)
        progress = _Progress(sys.stderr)
        report = import_table(org.pk, table, kind, mapping, on_progress=progress.show)
    except OSError as exc:
        _stop_import(f"{args.file}: {exc.strerror or exc}")
    except UnreadableFile as exc:
        _stop_import(f"{args.file}: {printable(exc.detail)}")
    except KeyboardInterrupt:
        from django.utils.translation import gettext as _

        print("\n" + _("Importação interrompida: as linhas já gravadas ficam; rodar de novo "
                       "completa o resto sem repetir nada."), file=sys.stderr, flush=True)
        sys.exit(130)
    progress.finish()
    for line in report_lines(report, kind, time.perf_counter() - started):
        print(line)
    sys.exit(1 if report.rejected_rows else 0)


def _stop_import(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    sys.exit(IMPORT_UNUSABLE)


def _stop_if_not_migrated() -> None:
    """A database `ponte init` (or `ponte migrate`) has not prepared gets words, not a trace."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils.translation import gettext as _

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        _stop_import(_("o banco de dados do Ponte ainda não está pronto: rode `ponte init` "
                       "(instalação nova) ou `ponte migrate` (depois de atualizar) e importe "
                       "de novo"))


def _organization_for_import(name: str | None):
    """The one organization, or the one named: an import into the wrong shop is costly."""
    from django.utils.translation import gettext as _

    from ponte.accounts.models import Organization

    if name:
        found = list(Organization.objects.filter(name=name)[:2])
        if len(found) != 1:
            _stop_import(_("organização não encontrada: %(name)s") % {"name": name}
                         if not found else
                         _("há mais de uma organização chamada %(name)s") % {"name": name})
        return found[0]
    found = list(Organization.objects.order_by("name")[:21])
    if not found:
        _stop_import(_("nenhuma organização ainda: crie uma com `ponte init`"))
    if len(found) > 1:
        _stop_import(_("há várias organizações; escolha uma com --org NOME: %(names)s")
                     % {"names": ", ".join(org.name for org in found[:20])})
    return found[0]


class _Progress:
    """A bar redrawn with \\r on a terminal; elsewhere (a log, CI) a line every tenth."""

    WIDTH = 30

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown_tenth = -1
        self.drawn = False

    def show(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        if self.tty:
            filled = int(share * self.WIDTH)
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                              f"{done}/{total} ({share:.0%})")
            self.drawn = True
        elif int(share * 10) > self.shown_tenth:
            self.shown_tenth = int(share * 10)
            self.stream.write(f"{done}/{total} ({share:.0%})\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ponte", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def with_address(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--host", default=os.environ.get("PONTE_HOST", "127.0.0.1"))
        sub.add_argument("--port", type=int, default=int(os.environ.get("PONTE_PORT", 8000)))
        return sub

    with_address(commands.add_parser("serve", help="migrate, then the web and worker processes"))\
        .set_defaults(func=cmd_serve)
    with_address(commands.add_parser("web", help="the web half only")).set_defaults(func=cmd_web)
    commands.add_parser("worker", help="the background half only").set_defaults(func=cmd_worker)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        func=cmd_migrate)
    demo = with_address(commands.add_parser("demo", help="seeded organization + simulated engine"))
    demo.add_argument("--no-simulator", action="store_true")
    demo.set_defaults(func=cmd_demo)
    init = commands.add_parser("init", help="create an organization and its WhatsApp instance")
    init.add_argument("--org", required=True)
    init.add_argument("--engine", required=True)
    init.add_argument("--engine-url")
    init.add_argument("--secret", action="append", help="primary first, then alternates")
    init.add_argument("--app-secret", help="Cloud API app secret for X-Hub-Signature-256")
    init.add_argument("--phone-number-id", help="Cloud API phone-number id that sends go to")
    init.add_argument("--allow-unsigned-webhooks", action="store_true",
                      help="UNSAFE: accept Cloud API webhooks without an app secret to check")
    init.add_argument("--json", action="store_true")
    init.set_defaults(func=cmd_init)
    engine = commands.add_parser("engine", help="an instance's engine settings")
    engine_commands = engine.add_subparsers(dest="engine_command", required=True)
    engine_set = engine_commands.add_parser(
        "set", help="change the engine URL and secrets (what is not given is kept)")
    engine_set.add_argument("--instance", help="instance id (needed when there are several)")
    engine_set.add_argument("--url", help="the engine's address, e.g. http://wppconnect:21465")
    engine_set.add_argument("--secret", action="append",
                            help="replaces all secrets: primary first, then alternates")
    engine_set.add_argument("--phone-number-id", help="Cloud API phone-number id")
    engine_set.set_defaults(func=cmd_engine_set)
    ai = commands.add_parser("ai", help="lead scoring and reply suggestions")
    ai_commands = ai.add_subparsers(dest="ai_command", required=True)
    ai_eval = ai_commands.add_parser(
        "eval", help="measure the lead scorer on labelled messages and conversations")
    ai_eval.add_argument("files", nargs="*", metavar="FILE",
                         help="labelled .jsonl files (messages and/or conversations); "
                              "the shipped ones if none")
    ai_eval.add_argument("--provider", choices=["offline", "gemini", "openai"],
                         default="offline",
                         help="gemini or openai (any compatible server): key in "
                              "PONTE_AI_API_KEY")
    ai_eval.add_argument("--model", default="", help="the remote provider's model")
    ai_eval.add_argument("--base-url", default="",
                         help="the remote provider's address (an OpenAI-compatible /v1)")
    ai_eval.add_argument("--org", help="the provider this organization chose in "
                                       "Settings › IA (its saved key)")
    ai_eval.add_argument("--cross-validate", action="store_true",
                         help="k-fold figures inside the train split only (for tuning)")
    ai_eval.add_argument("--folds", type=int, default=5)
    ai_eval.add_argument("--misses", action="store_true",
                         help="with --cross-validate: list the training rows it got wrong")
    ai_eval.set_defaults(func=cmd_ai_eval)
    imports = commands.add_parser(
        "import", help="load ERP customers or sales from a CSV file",
        description="Load ERP customers or sales from a CSV file (upsert by external_id: "
                    "running it again changes nothing). Columns are the API's field names "
                    "unless renamed with --map; several phones in one cell are separated by |. "
                    "Brazilian formats are read: ; separator, 1.234,56 and R$ money, "
                    "dd/mm/aaaa dates, sim/não, UTF-8 or Latin-1.",
        epilog="Exit status: 0 every row loaded; 1 some rows were refused (each is listed "
               "as line and column, the other rows were loaded); 2 the file or the options "
               "cannot be used, nothing was loaded.")
    imports.add_argument("kind", choices=["customers", "sales"])
    imports.add_argument("file", metavar="FILE.csv")
    imports.add_argument("--org", help="organization name (needed when there are several)")
    imports.add_argument("--map", action="append", metavar="COLUMN=FIELD",
                         help="read the file's COLUMN as FIELD, e.g. --map telefone=phones "
                              "(repeatable)")
    imports.add_argument("--delimiter", help="cell separator (guessed from the header: ; , "
                                             "tab or |)")
    imports.add_argument("--encoding", help="the file's encoding (guessed: UTF-8, else "
                                            "cp1252/Latin-1)")
    imports.set_defaults(func=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
