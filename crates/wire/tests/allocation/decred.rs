//! Every Decred message type at its worst, the mixing messages included.

use crate::build::{cat, dcr, list, pad, varint, zeros};
use crate::{check_with, Expect, FACTOR};
use coinpeer_wire::decred::{max_payload_len, max_tx_per_tree, version, Message, COMMANDS};

const PVER: u32 = version::MAX;
/// The bound of a Decred block: a 5-byte witness-only transaction is 64 bytes in memory.
const BLOCK_FACTOR: usize = 13;
/// Signature, identity, session id and run: the head of every mixing message but the pair request.
const MIX_HEAD: usize = 64 + 33 + 32 + 4;

fn check(label: &str, command: &str, payload: Vec<u8>, expect: Expect) {
    check_with::<Message>(label, command, PVER, payload, expect, FACTOR);
}

fn max(command: &str) -> usize {
    max_payload_len(command, PVER).expect("a known command") as usize
}

fn fixed(command: &str, payload: Vec<u8>) {
    check(command, command, payload, Expect::Decodes);
}

/// The hashes of earlier messages that end every mixing message: none, since at 32 bytes for 32 they only
/// dilute the ratio (but for `mixkeyxchg`, where they are the only list).
fn seen() -> Vec<u8> {
    vec![0]
}

per_command! {
    COMMANDS;
    version => "version" |command| {
        let p = cat(&[&[0; 4 + 8 + 8 + 26 + 26 + 8], &list(256, b"a"), &[0; 5]]);
        check("version, 256-byte agent", command, p, Expect::Decodes);
    }
    verack => "verack" |command| { fixed(command, vec![]) }
    getaddr => "getaddr" |command| { fixed(command, vec![]) }
    sendheaders => "sendheaders" |command| { fixed(command, vec![]) }
    mempool => "mempool" |command| { fixed(command, vec![]) }
    getminings => "getminings" |command| { fixed(command, vec![]) }
    getcftypes => "getcftypes" |command| { fixed(command, vec![]) }
    ping => "ping" |command| { fixed(command, zeros(8)) }
    pong => "pong" |command| { fixed(command, zeros(8)) }
    feefilter => "feefilter" |command| { fixed(command, zeros(8)) }
    getcfilter => "getcfilter" |command| { fixed(command, zeros(33)) }
    getcfilterv2 => "getcfilterv2" |command| { fixed(command, zeros(32)) }
    getcfsv2 => "getcfsv2" |command| { fixed(command, zeros(64)) }
    reject => "reject" |command| {
        // Gone at version 9; before it, the longest reason a payload of 1 KiB holds.
        let p = cat(&[&[0], &[0x10], &list(1000, b"a")]);
        check_with::<Message>("reject (version 8)", command, 8, p, Expect::Decodes, FACTOR);
    }
    addr => "addr" |command| {
        // Gone at version 12.
        check_with::<Message>("addr (version 11), 1000", command, 11, list(1000, &[0; 30]), Expect::Decodes, FACTOR);
    }
    addrv2 => "addrv2" |command| {
        let entry = cat(&[&[0; 16], &[1], &[0; 6]]);
        check("addrv2, 1000 IPv4 entries", command, list(1000, &entry), Expect::Decodes);
    }
    inv => "inv" |command| { inventory(command) }
    getdata => "getdata" |command| { inventory(command) }
    notfound => "notfound" |command| { inventory(command) }
    getblocks => "getblocks" |command| { locator(command) }
    getheaders => "getheaders" |command| { locator(command) }
    headers => "headers" |command| { check("headers, 2000", command, list(2000, &[0; 181]), Expect::Decodes) }
    block => "block" |command| { blocks(command) }
    tx => "tx" |command| {
        let max = max(command);
        check("tx, witness-only, most inputs", command, dcr::most_witness_inputs(max), Expect::Decodes);
        check("tx, most outputs", command, dcr::most_outputs(max), Expect::Decodes);
        check("tx, prefix-only, most inputs", command, dcr::most_prefix_inputs(max), Expect::Decodes);
    }
    miningstate => "miningstate" |command| {
        let p = cat(&[&[0; 8], &list(8, &[0; 32]), &list(40, &[0; 32])]);
        check("miningstate, most hashes", command, p, Expect::Decodes);
    }
    cfilter => "cfilter" |command| {
        let p = cat(&[&[0; 33], &list(256 * 1024, &[0])]);
        check("cfilter, largest filter", command, p, Expect::Decodes);
    }
    getcfheaders => "getcfheaders" |command| {
        let p = cat(&[&list(500, &[0; 32]), &[0; 33]]);
        check("getcfheaders, 500 hashes", command, p, Expect::Decodes);
    }
    cfheaders => "cfheaders" |command| {
        let p = cat(&[&[0; 33], &list(2000, &[0; 32])]);
        check("cfheaders, 2000", command, p, Expect::Decodes);
    }
    cftypes => "cftypes" |command| { check("cftypes, 256", command, list(256, &[0]), Expect::Decodes) }
    cfilterv2 => "cfilterv2" |command| {
        let p = cat(&[&[0; 32], &list(256 * 1024, &[0]), &[0; 4], &list(32, &[0; 32])]);
        check("cfilterv2, largest", command, p, Expect::Decodes);
    }
    cfiltersv2 => "cfiltersv2" |command| {
        // The smallest filter: hash, empty data, index, no proof hashes.
        check("cfiltersv2, 100 smallest", command, list(100, &[0; 38]), Expect::Decodes);
    }
    getinitstate => "getinitstate" |command| {
        check("getinitstate, 32 empty types", command, list(32, &[0]), Expect::Decodes);
    }
    initstate => "initstate" |command| {
        let p = cat(&[&list(8, &[0; 32]), &list(40, &[0; 32]), &list(7, &[0; 32])]);
        check("initstate, most hashes", command, p, Expect::Decodes);
    }
    mixpairreq => "mixpairreq" |command| {
        // 512 of the smallest UTXOs: outpoint, three empty byte strings, opcode.
        let head = cat(&[&[0; 64 + 33 + 4 + 8], &[0], &[0; 2 + 4 + 4 + 8]]);
        let p = cat(&[&head, &list(512, &[0; 41]), &[0, 0, 0]]);
        check("mixpairreq, 512 smallest UTXOs", command, p, Expect::Decodes);
    }
    mixkeyxchg => "mixkeyxchg" |command| {
        let p = cat(&[&[0; MIX_HEAD - 4], &[0; 8 + 4 + 4 + 33 + 1218 + 32], &list(512, &[0; 32])]);
        check("mixkeyxchg, 512 hashes seen", command, p, Expect::Decodes);
    }
    mixcphrtxt => "mixcphrtxt" |command| {
        let p = cat(&[&[0; MIX_HEAD], &list(512, &[0; 1047]), &zeros(512 * 32)]);
        check("mixcphrtxt, 512 ciphertexts", command, p, Expect::Decodes);
    }
    mixslotres => "mixslotres" |command| {
        // 1024 rows of 512 empty field elements: one byte each.
        let p = cat(&[&[0; MIX_HEAD], &varint(1024), &varint(512), &zeros(1024 * 512), &seen()]);
        check("mixslotres, 1024 x 512 empty elements", command, p, Expect::Decodes);
        let p = cat(&[&[0; MIX_HEAD], &varint(1024), &varint(1), &zeros(1024), &seen()]);
        check("mixslotres, 1024 x 1 empty elements", command, p, Expect::Decodes);
    }
    mixfactpoly => "mixfactpoly" |command| {
        let p = cat(&[&[0; MIX_HEAD], &list(1024, &[0]), &seen()]);
        check("mixfactpoly, 1024 empty roots", command, p, Expect::Decodes);
    }
    mixdcnet => "mixdcnet" |command| {
        let p = cat(&[&[0; MIX_HEAD], &varint(1024), &varint(1024), &[20], &zeros(1024 * 1024 * 20), &seen()]);
        check("mixdcnet, 1024 x 1024", command, p, Expect::Decodes);
        let p = cat(&[&[0; MIX_HEAD], &varint(1024), &[0], &[20], &seen()]);
        check("mixdcnet, 1024 empty vectors", command, p, Expect::Decodes);
    }
    mixconfirm => "mixconfirm" |command| {
        let max = max(command);
        let tx = dcr::most_witness_inputs(max - MIX_HEAD - 1);
        let p = cat(&[&[0; MIX_HEAD], &tx, &[0]]);
        check("mixconfirm, witness-only tx, most inputs", command, p, Expect::Decodes);
    }
    mixsecrets => "mixsecrets" |command| {
        let p = cat(&[&[0; MIX_HEAD + 32], &list(1024, &[0]), &varint(1024), &[20], &zeros(1024 * 20), &seen()]);
        check("mixsecrets, 1024 empty messages", command, p, Expect::Decodes);
    }
}

fn inventory(command: &str) {
    check(
        &format!("{command}, 50,000"),
        command,
        list(50_000, &[0; 36]),
        Expect::Decodes,
    );
}

fn locator(command: &str) {
    let p = cat(&[&[0; 4], &list(500, &[0; 32]), &[0; 32]]);
    check(&format!("{command}, 500 hashes"), command, p, Expect::Decodes);
}

fn block_check(label: &str, payload: Vec<u8>, expect: Expect) {
    check_with::<Message>(label, "block", PVER, payload, expect, BLOCK_FACTOR);
}

fn blocks(command: &str) {
    let max = max(command);
    let header = zeros(180);
    let per_tree = max_tx_per_tree(PVER);
    // Both trees full of the smallest transactions there are: witness-only, without inputs.
    let tree = list(per_tree, &dcr::witness_only(0));
    block_check(
        "block, most empty witness-only txs",
        cat(&[&header, &tree, &tree]),
        Expect::Decodes,
    );
    // Both trees full of the smallest full transactions, as a valid block has: within the general bound.
    let tree = list(per_tree, &dcr::full(0, 0));
    check(
        "block, most empty full txs",
        command,
        cat(&[&header, &tree, &tree]),
        Expect::Decodes,
    );
    // One transaction with the most inputs, witness-only.
    let tx = dcr::most_witness_inputs(max - 180 - 2);
    block_check(
        "block, witness-only tx, most inputs",
        cat(&[&header, &[1], &tx, &[0]]),
        Expect::Decodes,
    );
    // One transaction with the most outputs.
    let tx = dcr::most_outputs(max - 180 - 2);
    block_check("block, most outputs", cat(&[&header, &[1], &tx, &[0]]), Expect::Decodes);
    // The most transactions announced with 5 bytes each, all zero: zeros read as 15-byte transactions.
    let p = cat(&[&header, &varint(per_tree), &zeros(per_tree * 5)]);
    block_check("block, most txs announced", p, Expect::Fails);
    // The most transactions announced, the first announcing the most inputs.
    let p = cat(&[&header, &varint(per_tree), &dcr::announcing_inputs(max - 180 - 3)]);
    block_check("block, nested announcements", pad(p, max), Expect::Fails);
}
