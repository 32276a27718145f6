use super::*;

const ONE: [u8; 32] = [1; 32];
const TWO: [u8; 32] = [2; 32];

#[test]
fn a_sealed_value_opens_to_what_was_sealed_and_hides_it() {
    let keys = Keyring::new(&ONE, &[]).expect("key");
    let url = "postgres://app:hunter2@db.internal:5432/shop";
    let sealed = keys.seal(BACKUP_URL, url);
    assert!(
        sealed.starts_with(&format!("enc:v1:{}:", keys.current_id())),
        "{sealed}"
    );
    assert!(!sealed.contains("hunter2") && !sealed.contains("db.internal"));
    assert_eq!(keys.open(BACKUP_URL, &sealed).as_deref(), Ok(url));
    assert_ne!(keys.seal(BACKUP_URL, url), sealed, "a fresh nonce every time");
}

#[test]
fn a_value_opens_only_in_its_own_column() {
    let keys = Keyring::new(&ONE, &[]).expect("key");
    let sealed = keys.seal(CHANNEL_SECRET, "whsec_abc");
    assert_eq!(
        keys.open(CHANNEL_URL, &sealed),
        Err(OpenError::Damaged(keys.current_id().into()))
    );
}

#[test]
fn old_keys_still_open_what_they_sealed() {
    let old = Keyring::new(&ONE, &[]).expect("key");
    let sealed = old.seal(CHANNEL_URL, "https://hooks.example.com/T1/B2");
    let rotated = Keyring::new(&TWO, &[&ONE]).expect("keys");
    assert_eq!(
        rotated.open(CHANNEL_URL, &sealed).as_deref(),
        Ok("https://hooks.example.com/T1/B2")
    );
    assert!(!rotated.is_current(&sealed));
    assert!(rotated.is_current(&rotated.seal(CHANNEL_URL, "x")));
    let without_old = Keyring::new(&TWO, &[]).expect("key");
    assert_eq!(
        without_old.open(CHANNEL_URL, &sealed),
        Err(OpenError::UnknownKey(key_id(&ONE), key_id(&TWO)))
    );
}

#[test]
fn plaintext_and_tampered_values_are_refused() {
    let keys = Keyring::new(&ONE, &[]).expect("key");
    assert_eq!(keys.open(BACKUP_URL, "postgres://u:p@h/db"), Err(OpenError::Plaintext));
    let sealed = keys.seal(BACKUP_URL, "postgres://u:p@h/db");
    let mut tampered = sealed.clone();
    let last = tampered.pop().expect("not empty");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert!(matches!(keys.open(BACKUP_URL, &tampered), Err(OpenError::Damaged(_))));
    let id = keys.current_id();
    for broken in [
        format!("enc:v1:{id}:"),
        format!("enc:v1:{id}:!!!"),
        format!("enc:v1:{id}"),
    ] {
        assert!(keys.open(BACKUP_URL, &broken).is_err(), "{broken}");
    }
}

#[test]
fn keys_must_be_32_bytes() {
    assert_eq!(Keyring::new(&[0; 16], &[]).err(), Some(BadKey(16)));
    assert_eq!(Keyring::new(&ONE, &[&[0; 33]]).err(), Some(BadKey(33)));
    assert_ne!(key_id(&ONE), key_id(&TWO));
}
