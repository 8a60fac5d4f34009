"""Local development tokens for `make run`: one per role, a clerk at every window, one per agency.

`.run/dev-tokens.json` holds the tokens in clear for the developer
(`{"clerk": …, "ops": …, "citizen": …, "clerks": {"<region_code>": …}, "agencies": {"<department_code>": …}}`;
`clerk` is the 110101 window's, `clerks` has one for every district-level window of the catalog —
each city without districts, like Zhongshan, has its window at the city);
`.run/gateway-tokens.json` holds only their SHA-256 hashes and roles, and is what the gateway
reads (OW_GATEWAY_TOKENS_FILE). Tokens are kept across runs; delete the files for new ones.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from onewindow_catalog import Catalog, load_catalog
from onewindow_catalog.model import Level
from onewindow_platform.personal_data import Pseudonyms

DEV_CLERK_REGION = "110101"              # 东城区 one-window counter
DEV_CITIZEN_ID_NUMBER = "11010519491231002X"  # the valid sample number from GB 11643


def window_regions(catalog: Catalog) -> list[str]:
    """Where one-window counters stand: every district, and every city that has no districts."""
    districts = [r.code for r in catalog.regions.values() if r.level is Level.DISTRICT]
    cities_with_districts = {catalog.regions[code].parent for code in districts}
    cities = [r.code for r in catalog.regions.values() if r.level is Level.CITY and r.code not in cities_with_districts]
    return sorted(districts + cities)


def _hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def ensure_dev_tokens(run_dir: Path, data_dir: Path) -> Path:
    """Create (or reuse) the development tokens; returns the hashed file for the gateway."""
    run_dir.mkdir(parents=True, exist_ok=True)
    clear_path, hashed_path = run_dir / "dev-tokens.json", run_dir / "gateway-tokens.json"
    catalog = load_catalog()
    if clear_path.exists():
        tokens = json.loads(clear_path.read_text())
    else:
        tokens = {"clerk": "", "ops": "", "citizen": "", "clerks": {}, "agencies": {}}
    for role in ("clerk", "ops", "citizen"):
        tokens[role] = tokens.get(role) or f"dev-{role}-{secrets.token_urlsafe(18)}"
    clerks = tokens.setdefault("clerks", {})
    clerks[DEV_CLERK_REGION] = tokens["clerk"]
    for region in window_regions(catalog):
        clerks.setdefault(region, f"dev-clerk-{region}-{secrets.token_urlsafe(18)}")
    for code in catalog.departments:
        tokens["agencies"].setdefault(code, f"dev-agency-{secrets.token_urlsafe(18)}")
    subject = Pseudonyms.from_environment(data_dir).subject_id(DEV_CITIZEN_ID_NUMBER)
    entries = [
        *({"sha256": _hash(token), "role": "clerk", "name": f"dev-clerk-{region}", "region_code": region}
          for region, token in clerks.items()),
        {"sha256": _hash(tokens["ops"]), "role": "ops", "name": "dev-ops"},
        {"sha256": _hash(tokens["citizen"]), "role": "citizen", "name": "dev-citizen", "subject_id": subject},
        *({"sha256": _hash(token), "role": "agency", "name": f"dev-agency-{code}", "department_code": code}
          for code, token in tokens["agencies"].items()),
    ]
    clear_path.write_text(json.dumps(tokens, indent=2, ensure_ascii=False))
    clear_path.chmod(0o600)
    hashed_path.write_text(json.dumps({"tokens": entries}, indent=2))
    return hashed_path


if __name__ == "__main__":
    import os

    written = ensure_dev_tokens(Path(".run"), Path(os.environ.get("OW_DATA_DIR", ".data")))
    print(f"development tokens in .run/dev-tokens.json; hashes for the gateway in {written}")
