//! The TR-ID table: forward lookup per environment, reverse lookup for the simulator, legacy ids.

use std::collections::HashSet;

use kis_protocol::tr_id::{Environment, IdGeneration, Op, TABLE, accepts, lookup, tr_id};

#[test]
fn forward_ids_from_the_reference() {
    use Environment::{Paper, Real};
    let expected = [
        (Op::DomesticBuy, Real, Some("TTTC0012U")),
        (Op::DomesticBuy, Paper, Some("VTTC0012U")),
        (Op::DomesticSell, Real, Some("TTTC0011U")),
        (Op::DomesticSell, Paper, Some("VTTC0011U")),
        (Op::DomesticModifyCancel, Paper, Some("VTTC0013U")),
        (Op::DomesticModifiable, Real, Some("TTTC0084R")),
        (Op::DomesticModifiable, Paper, None),
        (Op::DomesticBalance, Paper, Some("VTTC8434R")),
        (Op::DomesticBuyable, Real, Some("TTTC8908R")),
        (Op::DomesticDailyCcldRecent, Real, Some("TTTC0081R")),
        (Op::DomesticDailyCcldOld, Paper, Some("VTSC9215R")),
        (Op::DomesticPrice, Paper, Some("FHKST01010100")),
        (Op::DomesticMinuteToday, Paper, Some("FHKST03010200")),
        (Op::DomesticMinuteByDay, Paper, None),
        (Op::DomesticPeriodCandles, Real, Some("FHKST03010100")),
        (Op::DomesticVolumeRank, Real, Some("FHPST01710000")),
        (Op::DomesticVolumeRank, Paper, None),
        (Op::DomesticFluctuationRank, Paper, None),
        (Op::DomesticHolidays, Paper, None),
        (Op::UsBuy, Paper, Some("VTTT1002U")),
        (Op::UsSell, Real, Some("TTTT1006U")),
        (Op::UsSell, Paper, Some("VTTT1001U")),
        (Op::UsModifyCancel, Real, Some("TTTT1004U")),
        (Op::UsDaytimeBuy, Real, Some("TTTS6036U")),
        (Op::UsDaytimeModifyCancel, Paper, None),
        (Op::UsBalance, Paper, Some("VTTS3012R")),
        (Op::UsBuyable, Paper, Some("VTTS3007R")),
        (Op::UsUnfilled, Real, Some("TTTS3018R")),
        (Op::UsUnfilled, Paper, None),
        (Op::UsOrderHistory, Paper, Some("VTTS3035R")),
        (Op::UsPrice, Paper, Some("HHDFS00000300")),
        (Op::UsMinuteCandles, Paper, None),
        (Op::UsDailyPrice, Real, Some("HHDFS76240000")),
    ];
    for (op, env, id) in expected {
        assert_eq!(tr_id(op, env), id, "{op:?} on {env}");
    }
}

#[test]
fn one_current_id_per_operation_and_environment() {
    let mut seen = HashSet::new();
    for (op, env, id, generation) in TABLE {
        if *generation == IdGeneration::Current {
            assert!(seen.insert((*op, *env)), "{op:?}/{env} has two current ids (second: {id})");
        }
        assert!(id.len() == 9 || id.len() == 13, "{id}");
    }
}

#[test]
fn reverse_lookup_recognises_every_id() {
    for (op, env, id, generation) in TABLE {
        let (found_op, found_env, found_generation) = lookup(id).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(found_op, *op, "{id}");
        assert_eq!(found_generation, *generation, "{id}");
        // Quote ids are shared by both environments; the id alone cannot tell which.
        if found_env != *env {
            assert_eq!(tr_id(*op, Environment::Real), tr_id(*op, Environment::Paper), "{id}");
        }
        assert!(accepts(*op, *env, id));
    }
}

#[test]
fn legacy_ids_are_recognised_as_legacy() {
    for (id, op, env) in [
        ("TTTC0802U", Op::DomesticBuy, Environment::Real),
        ("VTTC0801U", Op::DomesticSell, Environment::Paper),
        ("TTTC0803U", Op::DomesticModifyCancel, Environment::Real),
        ("TTTC8036R", Op::DomesticModifiable, Environment::Real),
        ("VTTC8001R", Op::DomesticDailyCcldRecent, Environment::Paper),
        ("CTSC9115R", Op::DomesticDailyCcldOld, Environment::Real),
        ("JTTT1006U", Op::UsSell, Environment::Real),
    ] {
        assert_eq!(lookup(id), Some((op, env, IdGeneration::Legacy)), "{id}");
    }
    assert_eq!(lookup(" tttc0012u "), Some((Op::DomesticBuy, Environment::Real, IdGeneration::Current)));
}

#[test]
fn the_wrong_us_paper_sell_id_is_not_accepted() {
    // KIS's paper US sell is VTTT1001U; "V + real id" would give VTTT1006U, which is not in the table.
    assert_eq!(lookup("VTTT1006U"), None);
    assert!(!accepts(Op::UsSell, Environment::Paper, "VTTT1006U"));
    assert!(!accepts(Op::UsSell, Environment::Real, "VTTT1001U"));
    assert_eq!(lookup(""), None);
    assert_eq!(lookup("XXXXXXXXX"), None);
}
