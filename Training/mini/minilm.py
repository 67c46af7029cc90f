"""all-MiniLM-L6-v2 on the Python side: transformers' BertModel + BertTokenizer from the files that
scripts/fetch-minilm.sh extracts. Token features = last hidden state [L, 384]; sentence embedding =
masked mean over tokens, L2-normalised [384]."""
from __future__ import annotations

import torch


class MiniLM:
    max_tokens = 64  # the trainer's instructions are far shorter; the Swift side truncates at this length

    def __init__(self, model_dir: str):
        from transformers import BertModel, BertTokenizer
        self.tok = BertTokenizer(f"{model_dir}/vocab.txt", do_lower_case=True)
        self.model = BertModel.from_pretrained(model_dir, add_pooling_layer=False).eval()

    @torch.no_grad()
    def encode(self, texts: list[str]):
        """-> (hidden [B, L, 384] fp32, mask [B, L] long, pooled [B, 384] fp32 L2-normalised)."""
        b = self.tok(texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt")
        h = self.model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).last_hidden_state
        m = b["attention_mask"].float()[..., None]
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return h, b["attention_mask"], pooled
