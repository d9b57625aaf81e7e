"""Filing checks: what an ICP-filed site must show and must not carry — the 备案号, licence and
公安备案号 footer, the company's name and credit code, the privacy policy, services that need another
licence, injected gambling text and hidden links (rule ids ICP/CMP/PRV/SCP/INJ, docs/filing-checks.md)."""
