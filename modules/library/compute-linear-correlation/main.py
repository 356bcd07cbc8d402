"""Compute Linear Correlation: correlation matrix of the numeric columns."""

import pw


def main():
    df = pw.read_df("data")
    numeric = df.select_dtypes("number")
    if numeric.shape[1] < 2:
        pw.fail("needs at least two numeric columns")
    corr = numeric.corr(method=pw.params().get("method", "pearson"))
    pw.write_df("correlation", corr.rename_axis("column").reset_index())
    plt = pw.pyplot()
    n = len(corr)
    fig, ax = plt.subplots(figsize=(3 + 0.45 * n, 2.5 + 0.45 * n))
    image = ax.imshow(corr.to_numpy(), cmap="coolwarm", vmin=-1, vmax=1)
    ax.set_xticks(range(n), corr.columns, rotation=45, ha="right")
    ax.set_yticks(range(n), corr.columns)
    fig.colorbar(image, ax=ax)
    pw.write_figure("plot", fig)
    print(corr.round(3).to_string())


if __name__ == "__main__":
    pw.run(main)
