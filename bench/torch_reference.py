#!/usr/bin/env python3
"""
The project's PyTorch reference for `npm run bench`: the same cases, same
shapes, in plain PyTorch written out by hand, fp32 on the CPU, timed as the
bench times ours (W warm-up steps, then N timed steps, the median ms/step).

  /usr/bin/python3 bench/torch_reference.py [--case NAME|all] [--steps N] [--warmup N] [--threads N]

Cases (one training step = forward + loss + backward + update, unless "eval"):
  gpt-q1          GPT-2 d1 c64 h1, B 8, T 256, AdamW                       tokens/s
  gpt-tiny        GPT-2 d6 c384 h6, B 4, T 256, AdamW                      tokens/s
  gpt-eval        the d6 model's mean loss, B 4, T 256, no grad             tokens/s
  hellaswag-eval  the d6 model scoring 32 examples (context 24 tokens, four 12-token endings),
                  8 examples (32 rows) per forward, logits only at ending positions   examples/s
  mlp-digits      784-500-200-200-50-10 SELU, softmax cross-entropy, Adam 1e-3, B 32   samples/s
  lstm-sentiment  Embedding(10000, 64) -> LSTM(64 -> 128) -> last hidden -> Linear(128, 5),
                  cross-entropy, AdamW 1e-3, B 64, T 64                              samples/s
  bert-mini       4 layers, 256 ch, 4 heads, FFN 1024, vocab 30522, post-LN, GELU (erf),
                  dropout 0.1, pooler, linear 5, AdamW 1e-4, B 16, T 128             samples/s

GPT-2 is nanoGPT's: wte + learned wpe (maxT 1024), pre-LN blocks, causal
self-attention with an explicit masked softmax, MLP 4C with GELU (tanh), final
LN, head tied to wte (vocab 50257), no dropout; AdamW lr 3e-4, betas (0.9, 0.95),
weight decay 0.1 on the 2-D weights only, gradients clipped at norm 1 (as llm.c
and our trainer do).

stdout: one JSON line per case, the bench's shape (case, impl "torch",
ms_per_step, tokens_per_s / samples_per_s / examples_per_s, steps, warmup,
torch, threads, blas, allocator, peak_rss_mb). stderr: progress. Without
--steps: at least 10 timed steps, more for small cases (~2 s in all).
With --case all the cases share one process, so peak_rss_mb is the largest so far.
Exit codes: 0 done, 1 torch missing or a case failed, 2 bad arguments.
"""

import argparse
import json
import math
import os
import platform
import re
import resource
import statistics
import sys
import time

try:
    import torch
    from torch import nn
    from torch.nn import functional as F

    Module = nn.Module
    TORCH_ERROR = None
except ImportError as error:  # the argument errors and --help still work without torch
    torch = nn = F = None
    Module = object
    TORCH_ERROR = error

SEED = 1337
MIN_STEPS = 10
MAX_AUTO_STEPS = 500
TARGET_TIMED_SECONDS = 2.0
DEFAULT_WARMUP = 3
DEFAULT_THREADS = 2

GPT_VOCAB = 50257
GPT_MAX_T = 1024
GPT_SHAPES = {
    "gpt-q1": dict(depth=1, channels=64, heads=1, B=8, T=256),
    "gpt-tiny": dict(depth=6, channels=384, heads=6, B=4, T=256),
    "gpt-eval": dict(depth=6, channels=384, heads=6, B=4, T=256),
}
HELLASWAG = dict(depth=6, channels=384, heads=6, examples=32, context=24, ending=12, per_batch=8)
MLP_DIGITS = dict(layers=[784, 500, 200, 200, 50, 10], B=32, lr=1e-3)
LSTM_SENTIMENT = dict(vocab=10000, embed=64, hidden=128, out=5, B=64, T=64, lr=1e-3)
BERT_MINI = dict(
    layers=4, channels=256, heads=4, ffn=1024, vocab=30522, max_t=512, types=2,
    dropout=0.1, out=5, B=16, T=128, lr=1e-4,
)


def progress(line):
    print(line, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ GPT-2 (nanoGPT)


class CausalSelfAttention(Module):
    def __init__(self, channels, heads):
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(channels, 3 * channels)
        self.c_proj = nn.Linear(channels, channels)
        mask = torch.tril(torch.ones(GPT_MAX_T, GPT_MAX_T)).view(1, 1, GPT_MAX_T, GPT_MAX_T)
        self.register_buffer("mask", mask)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        # [B, heads, T, head size]
        q = q.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        k = k.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        v = v.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class GptMlp(Module):
    def __init__(self, channels):
        super().__init__()
        self.c_fc = nn.Linear(channels, 4 * channels)
        self.c_proj = nn.Linear(4 * channels, channels)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class GptBlock(Module):
    def __init__(self, channels, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(channels)
        self.attn = CausalSelfAttention(channels, heads)
        self.ln_2 = nn.LayerNorm(channels)
        self.mlp = GptMlp(channels)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Gpt(Module):
    def __init__(self, depth, channels, heads):
        super().__init__()
        self.wte = nn.Embedding(GPT_VOCAB, channels)
        self.wpe = nn.Embedding(GPT_MAX_T, channels)
        self.blocks = nn.ModuleList([GptBlock(channels, heads) for _ in range(depth)])
        self.ln_f = nn.LayerNorm(channels)
        # GPT-2's initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2·depth)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * depth))
            elif p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)
            elif name.endswith(".bias"):
                nn.init.zeros_(p)

    def hidden(self, idx):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T, dtype=torch.long))
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x)

    def logits(self, h):
        return h @ self.wte.weight.t()  # tied head

    def loss(self, idx, targets):
        logits = self.logits(self.hidden(idx))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def gpt_adamw(model):
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=3e-4, betas=(0.9, 0.95), eps=1e-8)


def params_of(model):
    return sum(p.numel() for p in model.parameters())


def case_gpt_train(name):
    s = GPT_SHAPES[name]
    model = Gpt(s["depth"], s["channels"], s["heads"])
    optimizer = gpt_adamw(model)
    x = torch.randint(0, GPT_VOCAB, (s["B"], s["T"]))
    y = torch.randint(0, GPT_VOCAB, (s["B"], s["T"]))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    fields = dict(B=s["B"], T=s["T"], params=params_of(model))
    return step, "tokens_per_s", s["B"] * s["T"], fields


def case_gpt_eval(name):
    s = GPT_SHAPES[name]
    model = Gpt(s["depth"], s["channels"], s["heads"]).eval()
    x = torch.randint(0, GPT_VOCAB, (s["B"], s["T"]))
    y = torch.randint(0, GPT_VOCAB, (s["B"], s["T"]))

    def step():
        with torch.no_grad():
            return model.loss(x, y).item()

    fields = dict(B=s["B"], T=s["T"], params=params_of(model))
    return step, "tokens_per_s", s["B"] * s["T"], fields


def case_hellaswag(name):
    s = HELLASWAG
    model = Gpt(s["depth"], s["channels"], s["heads"]).eval()
    n, ctx, end, per = s["examples"], s["context"], s["ending"], s["per_batch"]
    rows = torch.cat(
        [torch.randint(0, GPT_VOCAB, (n, 1, ctx)).expand(n, 4, ctx), torch.randint(0, GPT_VOCAB, (n, 4, end))],
        dim=2,
    )  # [examples, 4, ctx + end]: context then ending
    T = ctx + end - 1  # the last token of a row is never an input
    # ending token j of a row sits at ctx + j and is predicted from position ctx + j - 1
    positions = torch.arange(ctx - 1, ctx - 1 + end)

    def step():
        predictions = []
        with torch.no_grad():
            for start in range(0, n, per):
                group = rows[start : start + per].reshape(-1, ctx + end)  # [4·per, ctx + end]
                h = model.hidden(group[:, :T])  # [rows, T, C]
                h = h[:, positions, :]  # [rows, end, C]: logits only where endings are scored
                losses = F.cross_entropy(
                    model.logits(h).reshape(-1, GPT_VOCAB), group[:, ctx:].reshape(-1), reduction="none"
                )
                mean = losses.view(-1, 4, end).mean(dim=2)  # acc_norm: mean loss per ending
                predictions += mean.argmin(dim=1).tolist()
        return predictions

    fields = dict(examples=n, context_tokens=ctx, ending_tokens=end, params=params_of(model))
    return step, "examples_per_s", n, fields


# ------------------------------------------------------------------------------ MLP, LSTM


def case_mlp(name):
    s = MLP_DIGITS
    widths = s["layers"]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(nn.SELU())
    model = nn.Sequential(*layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=s["lr"])
    x = torch.rand(s["B"], widths[0])
    y = torch.randint(0, widths[-1], (s["B"],))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)  # softmax cross-entropy on the logits
        loss.backward()
        optimizer.step()
        return loss.item()

    fields = dict(B=s["B"], layers="-".join(map(str, widths)), params=params_of(model))
    return step, "samples_per_s", s["B"], fields


class LstmClassifier(Module):
    def __init__(self, vocab, embed, hidden, out):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, out)

    def forward(self, ids):
        hs, _ = self.lstm(self.embedding(ids))  # [B, T, H]
        return self.head(hs[:, -1, :])  # the last hidden state


def case_lstm(name):
    s = LSTM_SENTIMENT
    model = LstmClassifier(s["vocab"], s["embed"], s["hidden"], s["out"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=s["lr"])
    x = torch.randint(0, s["vocab"], (s["B"], s["T"]))
    y = torch.randint(0, s["out"], (s["B"],))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    # torch's LSTM has two bias vectors per gate (b_ih, b_hh): 4·H more than ours
    fields = dict(B=s["B"], T=s["T"], params=params_of(model))
    return step, "samples_per_s", s["B"], fields


# ------------------------------------------------------------------------------ BERT-mini


class BertLayer(Module):
    """Post-LN: x = LN(x + drop(attn(x))); x = LN(x + drop(FFN(x)))."""

    def __init__(self, channels, heads, ffn, dropout):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)
        self.ln_1 = nn.LayerNorm(channels, eps=1e-12)
        self.fc_1 = nn.Linear(channels, ffn)
        self.fc_2 = nn.Linear(ffn, channels)
        self.ln_2 = nn.LayerNorm(channels, eps=1e-12)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, additive_mask):
        B, T, C = x.size()
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in self.qkv(x).split(C, dim=2))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1))) + additive_mask
        att = self.drop(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = self.ln_1(x + self.drop(self.proj(y)))
        return self.ln_2(x + self.drop(self.fc_2(F.gelu(self.fc_1(x)))))  # GELU (erf)


class BertMini(Module):
    def __init__(self, s):
        super().__init__()
        C = s["channels"]
        self.word = nn.Embedding(s["vocab"], C)
        self.position = nn.Embedding(s["max_t"], C)
        self.token_type = nn.Embedding(s["types"], C)
        self.ln = nn.LayerNorm(C, eps=1e-12)
        self.drop = nn.Dropout(s["dropout"])
        self.layers = nn.ModuleList(
            [BertLayer(C, s["heads"], s["ffn"], s["dropout"]) for _ in range(s["layers"])]
        )
        self.pooler = nn.Linear(C, C)
        self.classifier = nn.Linear(C, s["out"])

    def forward(self, ids, token_types, attention_mask):
        T = ids.size(1)
        x = self.word(ids) + self.position(torch.arange(T)) + self.token_type(token_types)
        x = self.drop(self.ln(x))
        additive = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0  # [B, 1, 1, T]
        for layer in self.layers:
            x = layer(x, additive)
        pooled = torch.tanh(self.pooler(x[:, 0]))  # [CLS]
        return self.classifier(self.drop(pooled))


def case_bert(name):
    s = BERT_MINI
    model = BertMini(s).train()  # dropout on, as in fine-tuning
    optimizer = torch.optim.AdamW(model.parameters(), lr=s["lr"], weight_decay=0.01)
    ids = torch.randint(0, s["vocab"], (s["B"], s["T"]))
    token_types = torch.zeros(s["B"], s["T"], dtype=torch.long)
    attention_mask = torch.ones(s["B"], s["T"], dtype=torch.long)
    y = torch.randint(0, s["out"], (s["B"],))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids, token_types, attention_mask), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    fields = dict(B=s["B"], T=s["T"], params=params_of(model))
    return step, "samples_per_s", s["B"], fields


CASES = {
    "gpt-q1": case_gpt_train,
    "gpt-tiny": case_gpt_train,
    "gpt-eval": case_gpt_eval,
    "hellaswag-eval": case_hellaswag,
    "mlp-digits": case_mlp,
    "lstm-sentiment": case_lstm,
    "bert-mini": case_bert,
}


# ------------------------------------------------------------------------------ timing, report


def time_steps(label, step, warmup, steps):
    """W warm-up steps, then `steps` timed ones (default: ≥ MIN_STEPS, ~2 s); median ms."""
    last_ms = 0.0
    for i in range(warmup):
        start = time.perf_counter()
        step()
        last_ms = (time.perf_counter() - start) * 1000
        progress(f"torch {label}: warm-up {i + 1}/{warmup} {last_ms:.0f} ms")
    if steps is None:
        wanted = math.ceil(TARGET_TIMED_SECONDS * 1000 / last_ms) if last_ms > 0 else MIN_STEPS
        steps = min(MAX_AUTO_STEPS, max(MIN_STEPS, wanted))
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    progress(f"torch {label}: {steps} steps, median {statistics.median(times):.1f} ms")
    return statistics.median(times), steps


def mapped_libraries():
    """Shared objects mapped into this process (resolved paths), from /proc/self/maps."""
    try:
        with open("/proc/self/maps") as maps:
            return sorted({line.split()[-1] for line in maps if ".so" in line.split()[-1]})
    except OSError:
        return []


def blas_info():
    """The BLAS torch calls: threadpoolctl's word where installed, else the libraries mapped in."""
    try:
        from threadpoolctl import threadpool_info

        found = [
            f"{i.get('internal_api')} {i.get('version')} ({i.get('threading_layer')}, {i.get('num_threads')} threads)"
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ]
        if found:
            return "; ".join(found)
    except ImportError:
        pass
    libs = [p for p in mapped_libraries() if re.search(r"blas|mkl|blis", os.path.basename(p))]
    return ", ".join(libs) if libs else None


def run_case(name, args):
    torch.manual_seed(SEED)
    step, rate_key, items, fields = CASES[name](name)
    ms, steps = time_steps(name, step, args.warmup, args.steps)
    libs = mapped_libraries()
    return {
        "case": name,
        "impl": "torch",
        **fields,
        "ms_per_step": round(ms, 2),
        rate_key: round(items * 1000 / ms, 2),
        "steps": steps,
        "warmup": args.warmup,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas_info(),
        "allocator": "tcmalloc" if any("tcmalloc" in p for p in libs) else "default",
        "python": platform.python_version(),
        # ru_maxrss is in KiB on Linux
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def int_at_least(minimum):
    def parse(value):
        try:
            n = int(value)
        except ValueError:
            n = None
        if n is None or n < minimum:
            raise argparse.ArgumentTypeError(f'found "{value}", expected an integer ≥ {minimum}')
        return n

    return parse


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="torch_reference.py", description="PyTorch reference timings for npm run bench's cases."
    )
    parser.add_argument("--case", default="all", choices=[*CASES, "all"], help="a case, or all (default)")
    parser.add_argument("--steps", type=int_at_least(1), help="timed steps (default: >= 10, ~2 s)")
    parser.add_argument("--warmup", type=int_at_least(0), default=DEFAULT_WARMUP, help="warm-up steps (3)")
    parser.add_argument("--threads", type=int_at_least(1), default=DEFAULT_THREADS, help="torch threads (2)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if TORCH_ERROR is not None:
        progress(f"error: torch: not importable ({TORCH_ERROR}); on Debian: apt install python3-torch")
        return 1
    torch.set_num_threads(args.threads)
    names = list(CASES) if args.case == "all" else [args.case]
    failed = 0
    for name in names:
        try:
            line = run_case(name, args)
        except Exception as error:  # one failing case does not stop the others
            failed += 1
            progress(f"error: {name}: {type(error).__name__}: {error}")
            line = {"case": name, "impl": "torch", "error": f"{type(error).__name__}: {error}"}
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
