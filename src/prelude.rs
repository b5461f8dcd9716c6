//! What a command file needs: `use crate::prelude::*;`.

pub use crate::protocol::{EncodedBulks, Reply, ReplyError};
pub use crate::registry::{
    Args, Command, CommandMeta, CommandResult, Context, ExpireUnit, Flag, KeySpec, Keynum, Keys, Keyword,
    Registration, Subcommand,
};
pub use crate::store::effects::EventClass;
pub use crate::store::{Db, Elem, Hash, Keyspace, Set, Value, ZSet};
