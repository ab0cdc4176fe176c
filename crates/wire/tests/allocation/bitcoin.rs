//! Every Bitcoin message type at its worst.

use crate::build::{btc, cat, fit, list, pad, varint, zeros};
use crate::{check_with, Expect, FACTOR};
use coinpeer_wire::bitcoin::{max_payload_len, version, Message, COMMANDS, MAX_CFILTER_LEN};

const PVER: u32 = version::MAX;

fn check(label: &str, command: &str, payload: Vec<u8>, expect: Expect) {
    check_with::<Message>(label, command, PVER, payload, expect, FACTOR);
}

/// The largest payload of `command`.
fn max(command: &str) -> usize {
    max_payload_len(command, PVER).expect("a known command") as usize
}

/// The most `each`-byte elements in a payload of `command` after `fixed` bytes of other fields.
fn most(command: &str, fixed: usize, each: usize) -> usize {
    fit(max(command) - fixed, each)
}

/// A payload of `command` holding exactly `count` elements of `element` after `head`.
fn listing(command: &str, head: &[u8], count: usize, element: &[u8]) -> Vec<u8> {
    let p = cat(&[head, &list(count, element)]);
    assert!(p.len() <= max(command));
    p
}

/// A payload that announces `count` elements after `head` and holds the bytes to pass the count check, but
/// all zero, which fails somewhere in the elements or after them.
fn announcing(head: &[u8], count: usize, bytes: usize) -> Vec<u8> {
    cat(&[head, &varint(count), &zeros(bytes)])
}

fn header() -> Vec<u8> {
    zeros(80)
}

/// Messages of a fixed size or with no payload: nothing to reserve.
fn fixed(command: &str, payload: Vec<u8>) {
    check(command, command, payload, Expect::Decodes);
}

per_command! {
    COMMANDS;
    version => "version" |command| {
        // The longest user agent, all invalid UTF-8: each byte becomes a 3-byte replacement character.
        let p = cat(&[&70016i32.to_le_bytes(), &zeros(8 + 8 + 26 + 26 + 8), &list(256, &[0xff]), &[0; 5]]);
        check("version, 256 invalid agent bytes", command, p, Expect::Decodes);
    }
    verack => "verack" |command| { fixed(command, vec![]) }
    getaddr => "getaddr" |command| { fixed(command, vec![]) }
    sendaddrv2 => "sendaddrv2" |command| { fixed(command, vec![]) }
    sendheaders => "sendheaders" |command| { fixed(command, vec![]) }
    mempool => "mempool" |command| { fixed(command, vec![]) }
    filterclear => "filterclear" |command| { fixed(command, vec![]) }
    wtxidrelay => "wtxidrelay" |command| { fixed(command, vec![]) }
    ping => "ping" |command| { fixed(command, zeros(8)) }
    pong => "pong" |command| { fixed(command, zeros(8)) }
    feefilter => "feefilter" |command| { fixed(command, zeros(8)) }
    getcfilters => "getcfilters" |command| { fixed(command, zeros(37)) }
    getcfheaders => "getcfheaders" |command| { fixed(command, zeros(37)) }
    getcfcheckpt => "getcfcheckpt" |command| { fixed(command, zeros(33)) }
    sendcmpct => "sendcmpct" |command| { fixed(command, zeros(9)) }
    sendtxrcncl => "sendtxrcncl" |command| { fixed(command, zeros(12)) }
    addr => "addr" |command| {
        check("addr, 1000 addresses", command, listing(command, &[], 1000, &[0; 30]), Expect::Decodes);
    }
    addrv2 => "addrv2" |command| {
        // Unknown networks with empty addresses: 9 bytes on the wire.
        let entry = [0u8; 9];
        check("addrv2, 1000 empty unknown-network entries", command, listing(command, &[], 1000, &entry), Expect::Decodes);
    }
    inv => "inv" |command| { inventory(command) }
    getdata => "getdata" |command| { inventory(command) }
    notfound => "notfound" |command| { inventory(command) }
    getblocks => "getblocks" |command| { locator(command) }
    getheaders => "getheaders" |command| { locator(command) }
    headers => "headers" |command| {
        check("headers, 2000", command, listing(command, &[], 2000, &[0; 81]), Expect::Decodes);
    }
    block => "block" |command| { blocks(command, &header()) }
    blocktxn => "blocktxn" |command| { blocks(command, &zeros(32)) }
    tx => "tx" |command| {
        let max = max(command);
        check("tx, one input, most outputs", command, btc::most_outputs(max), Expect::Decodes);
        check("tx, most inputs", command, btc::most_inputs(max), Expect::Decodes);
        check("tx, most outputs announced", command, pad(btc::announcing_outputs(max), max - 1), Expect::Fails);
    }
    reject => "reject" |command| {
        // The longest reason the payload allows, all invalid UTF-8.
        let max = max(command);
        let reason = vec![0xff; fit(max - 2, 1)];
        let p = cat(&[&[0], &[0x10], &varint(reason.len()), &reason]);
        check("reject, longest invalid reason", command, p, Expect::Decodes);
    }
    merkleblock => "merkleblock" |command| {
        let n = most(command, 80 + 4 + 1, 32);
        let p = cat(&[&header(), &[0; 4], &list(n, &[0; 32]), &[0]]);
        check("merkleblock, most hashes", command, p, Expect::Decodes);
    }
    filterload => "filterload" |command| {
        let p = cat(&[&list(36_000, &[0]), &[0; 9]]);
        check("filterload, largest filter", command, p, Expect::Decodes);
    }
    filteradd => "filteradd" |command| { check("filteradd, 520 bytes", command, list(520, &[0]), Expect::Decodes) }
    cfilter => "cfilter" |command| {
        let p = cat(&[&[0; 33], &list(MAX_CFILTER_LEN, &[0])]);
        check("cfilter, largest filter", command, p, Expect::Decodes);
    }
    cfheaders => "cfheaders" |command| {
        check("cfheaders, 2000", command, listing(command, &[0; 65], 2000, &[0; 32]), Expect::Decodes);
    }
    cfcheckpt => "cfcheckpt" |command| {
        let n = most(command, 33, 32);
        check("cfcheckpt, most headers", command, listing(command, &[0; 33], n, &[0; 32]), Expect::Decodes);
    }
    cmpctblock => "cmpctblock" |command| {
        let max = max(command);
        let head = cat(&[&header(), &[0; 8]]);
        let n = fit(max - head.len() - 1, 6).min(400_001);
        let p = cat(&[&head, &list(n, &[0; 6]), &[0]]);
        check("cmpctblock, most short ids", command, p, Expect::Decodes);
        // One prefilled transaction with the most outputs.
        let tx = btc::most_outputs(max - head.len() - 3);
        let p = cat(&[&head, &[0], &[1], &[0], &tx]);
        check("cmpctblock, prefilled tx with most outputs", command, p, Expect::Decodes);
        // The most prefilled transactions (indexes stop at 65,535), each with one input.
        let tx = btc::tx(1, 0);
        let one = cat(&[&[0], &tx]);
        let p = cat(&[&head, &[0], &list(65_536, &one)]);
        check("cmpctblock, 65,536 prefilled 1-input txs", command, p, Expect::Decodes);
        // The most prefilled transactions announced, the first announcing the most outputs.
        let rest = max - head.len() - 1 - 5;
        let p = cat(&[&head, &[0], &varint(rest / 11), &[0], &btc::announcing_outputs(rest - 1)]);
        check("cmpctblock, nested announcements", command, pad(p, max), Expect::Fails);
    }
    getblocktxn => "getblocktxn" |command| {
        // Every index of a 16-bit block, as gaps of 0.
        check("getblocktxn, 65,536 indexes", command, listing(command, &[0; 32], 65_536, &[0]), Expect::Decodes);
        let n = most(command, 32, 1).min(400_001);
        check("getblocktxn, most indexes announced", command, announcing(&zeros(32), n, n), Expect::Fails);
    }
}

fn inventory(command: &str) {
    check(
        &format!("{command}, 50,000"),
        command,
        listing(command, &[], 50_000, &[0; 36]),
        Expect::Decodes,
    );
}

fn locator(command: &str) {
    let p = cat(&[&[0; 4], &list(500, &[0; 32]), &[0; 32]]);
    check(&format!("{command}, 500 hashes"), command, p, Expect::Decodes);
}

/// `block` and `blocktxn`: transactions after `head`.
fn blocks(command: &str, head: &[u8]) {
    let max = max(command);
    let room = max - head.len();
    // One transaction with the most outputs.
    let p = cat(&[head, &[1], &btc::most_outputs(room - 1)]);
    check(
        &format!("{command}, one tx with most outputs"),
        command,
        p,
        Expect::Decodes,
    );
    // The most transactions of one input and no output (the smallest valid transaction).
    let tx = btc::tx(1, 0);
    let p = cat(&[head, &list(fit(room, tx.len()), &tx)]);
    check(&format!("{command}, most 1-input txs"), command, p, Expect::Decodes);
    // The most transactions announced (10 bytes each), all zero: the first fails at once.
    let n = fit(room, 10);
    check(
        &format!("{command}, most txs announced"),
        command,
        announcing(head, n, room - varint(n).len()),
        Expect::Fails,
    );
    // The most transactions announced, the first announcing the most outputs.
    let p = cat(&[head, &varint(n), &btc::announcing_outputs(room - 5)]);
    check(
        &format!("{command}, nested announcements"),
        command,
        pad(p, max),
        Expect::Fails,
    );
}
