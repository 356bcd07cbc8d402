"""Join Data."""

import pw


def main():
    left = pw.read_df("left")
    right = pw.read_df("right")
    p = pw.params()
    how = p.get("how", "inner")
    if how not in ("inner", "left", "right", "outer"):
        pw.fail(f"unknown join type '{how}'")
    pairs = [k.split("=", 1) if "=" in k else [k, k] for k in pw.column_list(p.get("keys"))]
    if not pairs:
        pw.fail("parameter 'keys' is empty")
    left_on = [a.strip() for a, _ in pairs]
    right_on = [b.strip() for _, b in pairs]
    pw.require_columns(left, left_on, "left key column")
    pw.require_columns(right, right_on, "right key column")
    joined = left.merge(right, how=how, left_on=left_on, right_on=right_on, suffixes=("", "_right"))
    print(f"{how} join: {len(left)} x {len(right)} -> {len(joined)} rows")
    pw.write_df("data", joined)


if __name__ == "__main__":
    pw.run(main)
