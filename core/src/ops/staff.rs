use crate::domain::*;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::store;
use crate::time::ms;
use crate::validate;

impl Engine {
    pub(crate) fn staff_put(&self, id: Option<Id>, version: Option<i64>, data: StaffData) -> Result<StaffMember> {
        let data = validate::staff(&data)?;
        let now = ms(self.now());
        let id = self.write(|c| match id {
            None => store::staff::insert(c, &data, now),
            Some(id) => {
                let version = super::version_required(version)?;
                if store::staff::update(c, id, version, &data, now)? {
                    Ok(id)
                } else {
                    Err(super::stale("staff member", id, version, store::staff::version_of(c, id)?))
                }
            }
        })?;
        self.staff_get(id)
    }

    pub(crate) fn staff_get(&self, id: Id) -> Result<StaffMember> {
        self.read(|c| store::staff::get(c, id))?.ok_or(Error::NotFound { entity: "staff member", id })
    }

    pub(crate) fn staff_list(&self) -> Result<Vec<StaffMember>> {
        self.read(store::staff::list)
    }

    pub(crate) fn custom_field_put(&self, def: CustomFieldDef) -> Result<Vec<CustomFieldDef>> {
        let def = validate::custom_field(&def)?;
        self.write(|c| {
            store::interactions::put_custom_def(c, &def)?;
            store::interactions::custom_defs(c, Some(def.kind))
        })
    }

    pub(crate) fn custom_field_list(&self, kind: Option<InteractionKind>) -> Result<Vec<CustomFieldDef>> {
        self.read(|c| store::interactions::custom_defs(c, kind))
    }
}
