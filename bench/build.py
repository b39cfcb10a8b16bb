"""`python -m bench.build --dataset S`: migrate the database of DATABASE_URL and build a dataset into it."""

from __future__ import annotations

import argparse
import os
import time


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench.datasets import SIZES, build

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=sorted(SIZES), default="S")
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    dataset = build(SIZES[args.dataset])
    name = settings.DATABASES["default"]["NAME"]
    parts = ", ".join(f"{part}: {status}" for part, status in dataset.parts.items())
    print(f"dataset {args.dataset} built in {time.perf_counter() - started:.1f}s into {name} ({parts})", flush=True)


if __name__ == "__main__":
    main()
