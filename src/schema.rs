// @generated automatically by Diesel CLI.

diesel::table! {
    installs (installed_app_id) {
        installed_app_id -> Text,
        app_id -> Text,
        instance_id -> Text,
        organization_id -> Nullable<Text>,
        api_key_prefix -> Nullable<Text>,
        api_key_ciphertext -> Nullable<Binary>,
        api_key_nonce -> Nullable<Binary>,
        api_key_kid -> Nullable<Text>,
        granted_permissions -> Text,
        status -> Text,
        installed_at -> BigInt,
        uninstalled_at -> Nullable<BigInt>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    kyc_audit (installed_app_id, seq) {
        installed_app_id -> Text,
        seq -> BigInt,
        at -> BigInt,
        actor -> Text,
        kind -> Text,
        identity_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    kyc_identities (installed_app_id, identity_id) {
        installed_app_id -> Text,
        identity_id -> Text,
        display_name -> Text,
        identity_kind -> Text,
        email -> Text,
        phone -> Text,
        country -> Text,
        body -> Text,
        content_hash -> Text,
        status -> Text,
        risk_score -> Integer,
        risk_band -> Text,
        findings_count -> Integer,
        hits_count -> Integer,
        assessment -> Nullable<Text>,
        assessed_key -> Nullable<Text>,
        last_decision -> Nullable<Text>,
        decided_at -> Nullable<BigInt>,
        review_due_at -> Nullable<BigInt>,
        first_seen_at -> BigInt,
        last_seen_at -> BigInt,
        refreshed_at -> BigInt,
        case_version -> BigInt,
        pending_json -> Nullable<Text>,
        decided_hash -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decision_id -> Nullable<Text>,
    }
}

diesel::table! {
    kyc_backlog_daily (installed_app_id, day) {
        installed_app_id -> Text,
        day -> Text,
        backlog -> BigInt,
    }
}

diesel::table! {
    kyc_counts (installed_app_id, dimension, value) {
        installed_app_id -> Text,
        dimension -> Text,
        value -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    kyc_decisions (decision_id) {
        decision_id -> Text,
        installed_app_id -> Text,
        identity_id -> Text,
        action -> Text,
        from_status -> Text,
        to_status -> Text,
        reviewer -> Nullable<Text>,
        reason_code -> Nullable<Text>,
        note -> Text,
        four_eyes -> Text,
        content_hash -> Text,
        risk_score -> Integer,
        risk_band -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    kyc_hit_reviews (installed_app_id, identity_id, entity_id) {
        installed_app_id -> Text,
        identity_id -> Text,
        entity_id -> Text,
        fields_hash -> Text,
        verdict -> Text,
        note -> Text,
        reviewer -> Nullable<Text>,
        at -> BigInt,
    }
}

diesel::table! {
    kyc_outbox (id) {
        id -> Integer,
        installed_app_id -> Text,
        identity_id -> Text,
        kind -> Text,
        payload -> Text,
        reference -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        last_error -> Nullable<Text>,
        result -> Nullable<Text>,
        created_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    kyc_alerts (installed_app_id, anomaly_id) {
        installed_app_id -> Text,
        anomaly_id -> Text,
        identity_id -> Text,
        title -> Text,
        state -> Text,
        created_at -> BigInt,
        resolved_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    kyc_jobs (installed_app_id, kind) {
        installed_app_id -> Text,
        kind -> Text,
        status -> Text,
        done -> BigInt,
        total -> BigInt,
        next_page -> BigInt,
        started_at -> BigInt,
        updated_at -> BigInt,
        finished_at -> Nullable<BigInt>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    kyc_status_history (id) {
        id -> Integer,
        installed_app_id -> Text,
        identity_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor -> Text,
        note -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    launch_tokens (id) {
        id -> BigInt,
        secret_hash -> Binary,
        installed_app_id -> Text,
        user_id -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        redeemed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    portal_sessions (session_hash) {
        session_hash -> Binary,
        installed_app_id -> Text,
        user_id -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    processed_events (idempotency_key, fingerprint) {
        idempotency_key -> Text,
        fingerprint -> Text,
        installed_app_id -> Text,
        kind -> Text,
        received_at -> BigInt,
    }
}

diesel::table! {
    sandbox_alerts (anomaly_id) {
        anomaly_id -> Text,
        instance_id -> Text,
        identity_id -> Text,
        title -> Text,
        description -> Text,
        status -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sandbox_identities (instance_id, identity_id) {
        instance_id -> Text,
        identity_id -> Text,
        position -> Integer,
        body -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sandbox_installs (installed_app_id) {
        installed_app_id -> Text,
        instance_id -> Text,
        app_id -> Text,
        api_key_hash -> Binary,
        api_key_prefix -> Text,
        scopes -> Text,
        status -> Text,
        installed_at -> BigInt,
        uninstalled_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sandbox_instances (instance_id) {
        instance_id -> Text,
        name -> Text,
        organization_id -> Text,
        created_at -> BigInt,
    }
}

diesel::joinable!(kyc_alerts -> installs (installed_app_id));
diesel::joinable!(kyc_audit -> installs (installed_app_id));
diesel::joinable!(kyc_backlog_daily -> installs (installed_app_id));
diesel::joinable!(kyc_decisions -> installs (installed_app_id));
diesel::joinable!(kyc_hit_reviews -> installs (installed_app_id));
diesel::joinable!(kyc_identities -> installs (installed_app_id));
diesel::joinable!(kyc_jobs -> installs (installed_app_id));
diesel::joinable!(kyc_outbox -> installs (installed_app_id));
diesel::joinable!(kyc_status_history -> installs (installed_app_id));
diesel::joinable!(launch_tokens -> installs (installed_app_id));
diesel::joinable!(portal_sessions -> installs (installed_app_id));
diesel::joinable!(sandbox_alerts -> sandbox_instances (instance_id));
diesel::joinable!(sandbox_identities -> sandbox_instances (instance_id));
diesel::joinable!(sandbox_installs -> sandbox_instances (instance_id));

diesel::allow_tables_to_appear_in_same_query!(
    installs,
    kyc_alerts,
    kyc_audit,
    kyc_backlog_daily,
    kyc_counts,
    kyc_decisions,
    kyc_hit_reviews,
    kyc_identities,
    kyc_jobs,
    kyc_outbox,
    kyc_status_history,
    launch_tokens,
    portal_sessions,
    processed_events,
    sandbox_alerts,
    sandbox_identities,
    sandbox_installs,
    sandbox_instances,
);
