#!/usr/bin/env python3
"""Build workers/classify/data/iptc-mediatopic.json (the default taxonomy) from

  * the IPTC Media Topics release (JSON: scheme, version, license, concepts[] with
    qcode, name, definition, level, parent, retired), CC BY 4.0, and
  * the hand-written keyword rules in workers/classify/data/iptc-rules.json.

Retired concepts are dropped.  Every topic keeps its IPTC code, name, parent and
definition.  Rules: per topic a map weight -> terms ("=" prefix = case-sensitive),
optional "exclude" and "threshold"; a topic without hand-written terms gets its own
name as a term (weight auto_name_weight) unless the name is in no_name_terms (too
ambiguous on its own) or "name_term": false.  Standard library only.

  python3 workers/classify/tools/iptc_convert.py --iptc IPTC.json \
      --rules workers/classify/data/iptc-rules.json --out workers/classify/data/iptc-mediatopic.json
"""
import argparse
import json
import sys

ATTRIBUTION = ("IPTC Media Topics (https://iptc.org/standards/media-topics/), "
               "(c) International Press Telecommunications Council (IPTC), licensed under "
               "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Release {version}. "
               "Changes: retired concepts removed; keyword rules, weights, thresholds and "
               "exclusions added by the wirewatch project.")

RULE_KEYS = {"exclude", "threshold", "name_term"}


def fail(msg):
    print("iptc_convert: " + msg, file=sys.stderr)
    sys.exit(1)


def terms_of(rule, code):
    out = []
    for key, words in rule.items():
        if key in RULE_KEYS:
            continue
        try:
            weight = float(key)
        except ValueError:
            fail(f"{code}: unknown rule key {key!r}")
        for w in words:
            t = {"text": w[1:] if w.startswith("=") else w, "weight": weight}
            if w.startswith("="):
                t["case"] = "sensitive"
            out.append(t)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iptc", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.iptc, encoding="utf-8") as f:
        iptc = json.load(f)
    with open(a.rules, encoding="utf-8") as f:
        rules = json.load(f)
    concepts = [c for c in iptc["concepts"] if not c.get("retired")]
    codes = {c["qcode"] for c in concepts}
    for code in rules["topics"]:
        if code not in codes:
            fail(f"rule for unknown or retired topic {code}")
    no_name = set(rules.get("no_name_terms", []))
    auto_w = float(rules.get("auto_name_weight", 1.0))
    topics = []
    for c in concepts:
        if c.get("parent") and c["parent"] not in codes:
            fail(f"{c['qcode']}: parent {c['parent']} retired or unknown")
        rule = rules["topics"].get(c["qcode"], {})
        terms = terms_of(rule, c["qcode"])
        if rule.get("name_term", True) and c["name"] not in no_name and c["level"] >= 3:
            name = c["name"]
            if ("," not in name and " and " not in name and "(" not in name and
                    len(name.split()) <= 3 and not any(t["text"].lower() == name.lower()
                                                       for t in terms)):
                terms.append({"text": name, "weight": auto_w})
        t = {"code": c["qcode"], "name": c["name"]}
        if c.get("parent"):
            t["parent"] = c["parent"]
        if c.get("definition"):
            t["definition"] = c["definition"]
        if "threshold" in rule:
            t["threshold"] = rule["threshold"]
        if terms:
            t["terms"] = terms
        if rule.get("exclude"):
            t["exclude"] = rule["exclude"]
        topics.append(t)
    out = {
        "name": "iptc-mediatopic",
        "version": iptc["version"],
        "description": "IPTC Media Topics with wirewatch keyword rules (default taxonomy).",
        "source": "https://iptc.org/standards/media-topics/ (" + iptc.get("scheme", "") +
                  ", release " + iptc["version"] + ")",
        "license": iptc.get("license", "CC BY 4.0"),
        "attribution": ATTRIBUTION.format(version=iptc["version"]),
        "threshold": rules.get("threshold", 3.0),
        "title_weight": rules.get("title_weight", 2.0),
        "norm_tokens": rules.get("norm_tokens", 400),
        # the hand-written rules are English: other languages come from the language
        # packs in data/rules/<lang>.json, so "war" never counts in a German text
        "language": "en",
        "topics": topics,
    }
    # the score -> confidence calibration (tests/bench/calibrate_rules.py --write) is
    # kept from the file being replaced; changed rules move the scores, so refit it
    try:
        old = json.load(open(a.out, encoding="utf-8"))
        if "calibration" in old:
            out = {**{k: v for k, v in out.items() if k != "topics"},
                   "calibration": old["calibration"], "topics": topics}
            print("kept the old calibration: refit it with tests/bench/calibrate_rules.py",
                  file=sys.stderr)
    except (OSError, ValueError):
        pass
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("{\n")
        head = [k for k in out if k != "topics"]
        for k in head:
            f.write(f"  {json.dumps(k)}: {json.dumps(out[k], ensure_ascii=False)},\n")
        f.write('  "topics": [\n')
        f.write(",\n".join("    " + json.dumps(t, ensure_ascii=False) for t in topics))
        f.write("\n  ]\n}\n")
    n_terms = sum(len(t.get("terms", [])) for t in topics)
    print(f"iptc_convert: {len(topics)} topics, {n_terms} terms -> {a.out}")


if __name__ == "__main__":
    main()
