//! BIP14 user agents: `/base/name:version(comment; comment)/`.

use crate::error::ConfigError;

/// The parts of our user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgent {
    /// The library part, already slash-delimited, e.g. `/coinpeer:0.1.0/`.
    pub base: String,
    /// The application's name.
    pub name: String,
    /// The application's version.
    pub version: String,
    /// Optional comments, shown in parentheses after the version.
    pub comments: Vec<String>,
}

impl UserAgent {
    /// A user agent for application `name` at `version`, on the `/coinpeer:VERSION/` base.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        UserAgent {
            base: format!("/coinpeer:{}/", env!("CARGO_PKG_VERSION")),
            name: name.into(),
            version: version.into(),
            comments: Vec::new(),
        }
    }

    /// Replaces the base (for example with btcd's `/btcwire:0.5.0/` to match its test vectors).
    pub fn with_base(mut self, base: impl Into<String>) -> Self {
        self.base = base.into();
        self
    }

    /// Adds a comment.
    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comments.push(comment.into());
        self
    }

    /// The user agent string, after checking that no part holds a character BIP14 reserves.
    pub fn render(&self) -> Result<String, ConfigError> {
        const RESERVED: &[char] = &['/', ':', '(', ')'];
        for (what, part) in [("name", &self.name), ("version", &self.version)]
            .into_iter()
            .chain(self.comments.iter().map(|c| ("comment", c)))
        {
            if let Some(c) = part.chars().find(|c| RESERVED.contains(c)) {
                return Err(ConfigError::UserAgent {
                    part: what,
                    value: part.clone(),
                    reserved: c,
                });
            }
        }
        let mut ua = format!("{}{}:{}", self.base, self.name, self.version);
        if !self.comments.is_empty() {
            ua.push('(');
            ua.push_str(&self.comments.join("; "));
            ua.push(')');
        }
        ua.push('/');
        if ua.len() > coinpeer_wire::messages::MAX_USER_AGENT_LEN {
            return Err(ConfigError::UserAgentTooLong(ua.len()));
        }
        Ok(ua)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_btcds_example_agent() {
        let ua = UserAgent::new("peer", "1.0")
            .with_base("/btcwire:0.5.0/")
            .with_comment("comment");
        assert_eq!(ua.render().unwrap(), "/btcwire:0.5.0/peer:1.0(comment)/");
    }

    #[test]
    fn joins_comments_with_semicolons() {
        let ua = UserAgent::new("app", "2")
            .with_base("/x:1/")
            .with_comment("a")
            .with_comment("b");
        assert_eq!(ua.render().unwrap(), "/x:1/app:2(a; b)/");
    }

    #[test]
    fn refuses_reserved_characters_in_every_part() {
        for bad in ["a/b", "a:b", "a(b", "a)b"] {
            assert!(UserAgent::new(bad, "1").render().is_err());
            assert!(UserAgent::new("n", bad).render().is_err());
            assert!(UserAgent::new("n", "1").with_comment(bad).render().is_err());
        }
    }
}
