"""Helpers for make_fixtures.py: reference fixtures for the LWM Desktop Java port.

Modules:
  shapes     the model shapes and per-shape constants
  tokenizer  training corpus, SentencePiece training and golden tokenizations
  weights    random bf16-exact weights, HF config, safetensors / torch .bin writers
  jaxfmt     LWM streaming msgpack ("params") writer and reader (flax to_bytes emulation)
  golden     golden logits and greedy generations from HF transformers
  reference  an independent forward pass on the Jax-layout weights (interleaved RoPE)
  verify     reload every written format and compare bit-exactly
"""
