"""The 8x3x8 identity network from the deep-learning-basics lecture: 8 one-hot inputs, 3
sigmoid hidden units, 8 sigmoid outputs trained to reproduce the input. After training the
hidden units of the 8 inputs approach a binary code (8 = 2^3 distinct corners).

    python examples/autoencoder_838.py [--epochs 3000] [--seed 0]
"""
from __future__ import annotations

import sys
from pathlib import Path

import xpgrad as xg
from xpgrad import nn, optim

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _cli import parser
else:
    from ._cli import parser


def main(argv: list[str] | None = None) -> dict:
    args = parser(__doc__.splitlines()[0], epochs=3000).parse_args(argv)
    xg.manual_seed(args.seed)
    x = xg.eye(8, device=args.device)
    encoder = nn.Sequential(nn.Linear(8, 3), nn.Sigmoid())
    model = nn.Sequential(encoder, nn.Linear(3, 8), nn.Sigmoid()).to(args.device)
    print(nn.summary(model, input_shape=(8,), device=args.device))
    loss_fn = nn.BCELoss()
    opt = optim.Adam(model.parameters(), lr=0.05)
    epochs = 300 if args.quick else args.epochs
    for epoch in range(epochs):
        opt.zero_grad()
        loss = loss_fn(model(x), x)
        loss.backward()
        opt.step()
        if (epoch + 1) % max(1, epochs // 10) == 0:
            print(f"epoch {epoch + 1:5d}  loss {loss.item():.5f}")
    with xg.no_grad():
        hidden = encoder(x).numpy()
        recon = model(x).numpy()
    print("\ninput       hidden units          code   reconstructed")
    codes = []
    for i in range(8):
        code = "".join("1" if h > 0.5 else "0" for h in hidden[i])
        codes.append(code)
        print(f"{'0' * i}1{'0' * (7 - i)}  " + "  ".join(f"{h:.3f}" for h in hidden[i])
              + f"   {code}    argmax {int(recon[i].argmax())}")
    distinct = len(set(codes))
    correct = sum(int(recon[i].argmax()) == i for i in range(8))
    print(f"\n{distinct} distinct binary codes; {correct}/8 inputs reconstructed")
    return {"hidden": hidden, "codes": codes, "distinct": distinct, "correct": correct,
            "loss": loss.item()}


if __name__ == "__main__":
    main()
