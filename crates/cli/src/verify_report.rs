//! The text `orewatch audit verify` prints: the chain, the records, and each checkpoint.

use orewatch_app::audit_log::{CheckpointCheck, Verification};
use std::fmt::Write;

/// The report, one finding per line; the last line says whether all is intact.
pub fn text(v: &Verification) -> String {
    let r = &v.report;
    let mut out = String::new();
    let _ = writeln!(out, "审计链：共 {} 条，链头 seq={}", r.rows_checked, r.head_seq);
    match &r.chain_break {
        None => {
            let _ = writeln!(out, "  哈希链完整");
        }
        Some(broken) => {
            let _ = writeln!(out, "  BROKEN seq={}：{broken}", broken.seq());
        }
    }
    let _ = writeln!(out, "业务记录：共校验 {} 条", r.records_checked);
    for finding in &r.findings {
        let _ = writeln!(out, "  TAMPERED {finding}");
    }
    let unlisted = r.findings_total.saturating_sub(r.findings.len() as u64);
    if unlisted > 0 {
        let _ = writeln!(out, "  ……另有 {unlisted} 处未列出");
    }
    if !v.checkpoints.is_empty() {
        let _ = writeln!(out, "签名检查点：{} 个", v.checkpoints.len());
    }
    for (path, seq, check) in &v.checkpoints {
        let name = path.display();
        let seq = seq.map(|s| format!(" seq={s}")).unwrap_or_default();
        let line = match check {
            CheckpointCheck::Holds => format!("  OK {name}{seq}：审计链包含该检查点"),
            CheckpointCheck::Unreadable(message) => format!("  UNREADABLE {name}：{message}"),
            CheckpointCheck::BadSignature => {
                format!("  BAD-SIGNATURE {name}{seq}：签名无效或不是可信公钥所签")
            }
            CheckpointCheck::Truncated { chain_seq } => format!(
                "  TRUNCATED {name}{seq}：审计链只到 seq={chain_seq}，检查点之后的记录被截去或整条链被重置"
            ),
            CheckpointCheck::Rewritten => {
                format!("  REWRITTEN {name}{seq}：该序号处的哈希与签名时不同，此前的历史被改写")
            }
        };
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "{}",
        if v.intact() {
            "OK：审计日志与业务记录一致，未发现篡改"
        } else {
            "FAILED：发现篡改，见上"
        }
    );
    out
}
