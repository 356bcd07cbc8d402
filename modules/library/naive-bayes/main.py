"""Naive Bayes: train and write a Model (the format Train Model writes)."""

import pw
import trainer
from sklearn import naive_bayes


def build(p, task):
    kind = p.get("distribution", "gaussian")
    alpha = float(p.get("alpha", 1.0))
    if kind == "multinomial":
        return naive_bayes.MultinomialNB(alpha=alpha), "multinomial_naive_bayes"
    if kind == "bernoulli":
        return naive_bayes.BernoulliNB(alpha=alpha), "bernoulli_naive_bayes"
    return naive_bayes.GaussianNB(), "gaussian_naive_bayes"


def main():
    trainer.train(lambda p, task: build(p, "classification"), task="classification")


if __name__ == "__main__":
    pw.run(main)
