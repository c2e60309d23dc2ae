#!/usr/bin/env python3
"""Seeding helpers for bench/run (Python standard library only).

  seed.py installs BASE COUNT PREFIX [SCOPE ...]
      POSTs COUNT install events to BASE/api/callback (ids PREFIX_000001 ...) from 8 threads with
      keep-alive connections, exactly as Blnk Cloud delivers them, and fails unless every answer
      is 200. Prints the rate.

  seed.py identities COUNT FILE
      Writes a JSON array of COUNT synthetic identities in the Cloud shape (contract section 6)
      for SANDBOX_IDENTITIES: individuals and organisations with names drawn from mixed-origin
      name pools, some with dates of birth; deterministic (fixed seed).
"""
import http.client
import json
import random
import sys
import threading
import time
from urllib.parse import urlsplit


def post_installs(base, count, prefix, scopes):
    parts = urlsplit(base)
    failures = []
    lock = threading.Lock()
    next_i = iter(range(1, count + 1))

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while True:
            with lock:
                i = next(next_i, None)
            if i is None:
                break
            app = f"{prefix}_{i:06d}"
            key = f"blnk_live_{random.getrandbits(160):040x}"
            body = json.dumps({
                "installed_app_id": app,
                "app_id": "app_kyc",
                "instance_id": "inst_bench",
                "api_key": key,
                "api_key_prefix": key[:8],
                "granted_permissions": scopes,
                "idempotency_key": f"install:{app}",
            })
            conn.request("POST", "/api/callback", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            text = resp.read()
            if resp.status != 200:
                with lock:
                    failures.append((app, resp.status, text[:200]))
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(min(8, count))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - started
    if failures:
        for f in failures[:5]:
            print("install failed:", f, file=sys.stderr)
        sys.exit(f"{len(failures)} of {count} install callbacks failed")
    print(f"{count} installs via POST /api/callback in {secs:.1f} s ({count / secs:.0f}/s)")


GIVEN = ["James", "Maria", "Chinedu", "Aisha", "Mohammed", "Olga", "Wei", "Priya", "Carlos",
         "Fatima", "Ivan", "Amara", "Hiroshi", "Sofia", "Ahmed", "Elena", "Kwame", "Yusuf",
         "Anna", "Luis", "Ngozi", "Dmitri", "Leila", "Tomasz", "Grace", "Omar", "Ali", "Hassan",
         "Nadia", "Pedro", "Svetlana", "Juan", "Abdul", "Mei", "Rahul", "Zainab", "Viktor"]
FAMILY = ["Smith", "Okafor", "Garcia", "Ivanov", "Chen", "Patel", "Mensah", "Rossi", "Kim",
          "Haddad", "Kowalski", "Nguyen", "Adeyemi", "Petrov", "Hernandez", "Ali", "Khan",
          "Popescu", "Santos", "Yilmaz", "Abubakar", "Sokolov", "Rahman", "Moreno", "Hussein",
          "Lopez", "Novak", "Ibrahim", "Tanaka", "Suleiman", "Kuznetsov", "Al-Masri", "Ortiz"]
ORG_WORDS = ["Global", "Trading", "Holdings", "Export", "Petroleum", "Shipping", "Star",
             "Union", "Maritime", "Capital", "General", "Industrial", "Logistics", "Gulf"]
ORG_KINDS = ["LLC", "Ltd", "Company", "Group", "Co", "SA", "FZE"]
COUNTRIES = ["NG", "GB", "US", "DE", "KE", "BR", "IN", "FR", "AE", "RU", "CN", "TR", "MX"]


def identities(count, path):
    rng = random.Random(20261202)
    out = []
    for i in range(count):
        country = rng.choice(COUNTRIES)
        ident = {
            "identity_id": f"idt_bench_{i:07d}",
            "category": "customer",
            "country": country,
            "nationality": country,
            "email_address": f"user{i}@example.com",
            "phone_number": f"+1555{i:07d}",
            "created_at": "2026-01-01T00:00:00Z",
            "meta_data": {},
        }
        if rng.random() < 0.15:
            ident["identity_type"] = "organization"
            ident["organization_name"] = " ".join(
                rng.sample(ORG_WORDS, rng.randint(1, 3)) + [rng.choice(ORG_KINDS)])
        else:
            ident["identity_type"] = "individual"
            ident["first_name"] = rng.choice(GIVEN)
            ident["last_name"] = rng.choice(FAMILY)
            if rng.random() < 0.3:
                ident["other_names"] = rng.choice(GIVEN)
            ident["dob"] = (f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-"
                            f"{rng.randint(1, 28):02d}T00:00:00Z")
        out.append(ident)
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"{count} synthetic identities written to {path}")


def main(argv):
    if len(argv) >= 4 and argv[1] == "installs":
        post_installs(argv[2], int(argv[3]), argv[4], argv[5:] or ["alerts:read"])
    elif len(argv) == 4 and argv[1] == "identities":
        identities(int(argv[2]), argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
