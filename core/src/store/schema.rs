//! Diesel table definitions; mirror `core/migrations/*/up.sql`.

diesel::table! {
    staff (id) {
        id -> BigInt,
        name -> Text,
        initials -> Text,
        email -> Nullable<Text>,
        office -> Nullable<Text>,
        active -> Bool,
        rights -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        name_fold -> Nullable<Text>,
    }
}

diesel::table! {
    trash (id) {
        id -> BigInt,
        entity -> Text,
        entity_id -> BigInt,
        label -> Text,
        deleted_by -> BigInt,
        deleted_at -> BigInt,
    }
}

diesel::table! {
    clients (id) {
        id -> BigInt,
        code -> Text,
        code_key -> Text,
        name -> Text,
        name_fold -> Text,
        kind -> Text,
        status -> Text,
        office -> Nullable<Text>,
        address -> Nullable<Text>,
        phones -> Text,
        emails -> Text,
        website -> Nullable<Text>,
        notes -> Nullable<Text>,
        referral_type -> Nullable<Text>,
        referred_by -> Nullable<Text>,
        won_date -> Nullable<Text>,
        won_reason -> Nullable<Text>,
        left_date -> Nullable<Text>,
        lost_to -> Nullable<Text>,
        lost_reason -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> BigInt,
        updated_by -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        trash_id -> Nullable<BigInt>,
        office_fold -> Nullable<Text>,
        city_fold -> Nullable<Text>,
        emails_fold -> Nullable<Text>,
        search_text -> Text,
        custom -> Text,
        custom_fold -> Text,
        language -> Nullable<Text>,
        fiscal_year_end -> Nullable<Text>,
        business_number -> Nullable<Text>,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        first_name -> Text,
        last_name -> Text,
        file_as -> Text,
        file_as_fold -> Text,
        company -> Nullable<Text>,
        title -> Nullable<Text>,
        phones -> Text,
        emails -> Text,
        address -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> BigInt,
        updated_by -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        trash_id -> Nullable<BigInt>,
        company_fold -> Nullable<Text>,
        city_fold -> Nullable<Text>,
        emails_fold -> Nullable<Text>,
        search_text -> Text,
        import_key -> Nullable<Text>,
        custom -> Text,
        custom_fold -> Text,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    contact_links (client_id, contact_id) {
        client_id -> BigInt,
        contact_id -> BigInt,
        role -> Text,
        created_by -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    custom_fields (id) {
        id -> BigInt,
        kind -> Text,
        key -> Text,
        label_fr -> Text,
        label_en -> Text,
        field_type -> Text,
        choices -> Text,
        required -> Bool,
    }
}

diesel::table! {
    transfers (id) {
        id -> BigInt,
        direction -> Text,
        status -> Text,
        from_staff -> BigInt,
        to_contact -> BigInt,
        client_id -> BigInt,
        subject -> Text,
        message -> Text,
        signature_required -> Bool,
        files -> Text,
        sent_at -> BigInt,
        expires_at -> BigInt,
        closed_at -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> BigInt,
        updated_by -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        trash_id -> Nullable<BigInt>,
        subject_fold -> Text,
        search_text -> Text,
    }
}

diesel::table! {
    interactions (id) {
        id -> BigInt,
        kind -> Text,
        occurred_at -> BigInt,
        client_id -> Nullable<BigInt>,
        contact_id -> Nullable<BigInt>,
        staff_id -> Nullable<BigInt>,
        subject -> Text,
        body -> Text,
        direction -> Nullable<Text>,
        duration_secs -> Nullable<BigInt>,
        phone -> Nullable<Text>,
        email_from -> Nullable<Text>,
        email_to -> Nullable<Text>,
        email_cc -> Nullable<Text>,
        taken_for -> Nullable<Text>,
        custom -> Text,
        transfer_id -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> BigInt,
        updated_by -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        trash_id -> Nullable<BigInt>,
        subject_fold -> Text,
        custom_fold -> Text,
        search_text -> Text,
        taken_for_id -> Nullable<BigInt>,
        message_status -> Nullable<Text>,
        event -> Nullable<Text>,
    }
}

diesel::table! {
    saved_views (id) {
        id -> BigInt,
        list -> Text,
        name -> Text,
        owner -> Nullable<BigInt>,
        shared -> Bool,
        firm_default -> Bool,
        query -> Text,
        updated_at -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    chosen_columns (staff_id, list) {
        staff_id -> BigInt,
        list -> Text,
        #[sql_name = "columns"]
        column_ids -> Text,
    }
}

diesel::table! {
    layouts (id) {
        id -> BigInt,
        dashboard -> Text,
        name -> Text,
        owner -> Nullable<BigInt>,
        firm_default -> Bool,
        layout -> Text,
        updated_at -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    staff_roles (code) {
        code -> Text,
        label_fr -> Text,
        label_en -> Text,
        position -> BigInt,
        builtin -> Bool,
    }
}

diesel::table! {
    client_assignments (client_id, role, staff_id) {
        client_id -> BigInt,
        role -> Text,
        staff_id -> BigInt,
        position -> BigInt,
    }
}

diesel::table! {
    follow_ups (interaction_id) {
        interaction_id -> BigInt,
        assignee_id -> BigInt,
        due -> Nullable<Text>,
        done -> Bool,
        done_at -> Nullable<BigInt>,
        done_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    data_migrations (name) {
        name -> Text,
    }
}

diesel::table! {
    dup_keys (entity, kind, key, entity_id) {
        entity -> Text,
        entity_id -> BigInt,
        kind -> Text,
        key -> Text,
    }
}

diesel::table! {
    merges (id) {
        id -> BigInt,
        entity -> Text,
        kept_id -> BigInt,
        merged_id -> BigInt,
        trash_id -> BigInt,
        moves -> Text,
        merged_by -> BigInt,
        merged_at -> BigInt,
    }
}

diesel::joinable!(contact_links -> clients (client_id));
diesel::joinable!(client_assignments -> clients (client_id));
diesel::joinable!(client_assignments -> staff (staff_id));
diesel::joinable!(contact_links -> contacts (contact_id));
diesel::joinable!(transfers -> clients (client_id));
diesel::joinable!(transfers -> contacts (to_contact));

diesel::table! {
    tags (code) {
        code -> Text,
        name_fr -> Text,
        name_en -> Text,
        colour -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    client_tags (client_id, tag) {
        client_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    contact_tags (contact_id, tag) {
        contact_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    history (id) {
        id -> BigInt,
        record_kind -> Text,
        record_id -> BigInt,
        client_id -> Nullable<BigInt>,
        op -> Text,
        staff_id -> Nullable<BigInt>,
        at -> BigInt,
        changes -> Text,
        related_kind -> Nullable<Text>,
        related_id -> Nullable<BigInt>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    staff,
    trash,
    clients,
    contacts,
    contact_links,
    custom_fields,
    transfers,
    interactions,
    saved_views,
    chosen_columns,
    layouts,
    staff_roles,
    client_assignments,
    follow_ups,
    data_migrations,
    dup_keys,
    merges,
    tags,
    client_tags,
    contact_tags,
    history,
);
