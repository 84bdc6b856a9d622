use crate::domain::*;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::store;
use crate::time::ms;
use crate::validate;

impl Engine {
    /// Without `id`: adds a staff member (`name` and `initials` required).
    /// With `id`: applies the patch to the member as read inside the write
    /// transaction, if still at `version`, and answers the member as this
    /// write left it.
    pub(crate) fn staff_put(&self, id: Option<Id>, version: Option<i64>, patch: StaffPatch) -> Result<StaffMember> {
        let now = ms(self.now());
        match id {
            None => {
                let data = validate::staff(&patch.into_new().map_err(|e| match e {
                    PatchError::ClearsRequired(field) => Error::validation(field, "required", "is required"),
                    PatchError::Internal(m) => Error::internal(m),
                })?)?;
                let id = self.write(|c| store::staff::insert(c, &data, now))?;
                self.staff_get(id)
            }
            Some(id) => {
                let version = super::version_required(version)?;
                self.write(|c| {
                    let member = store::staff::get(c, id)?.ok_or(Error::NotFound { entity: "staff member", id })?;
                    super::check_version("staff member", id, version, Some(member.version))?;
                    let data = validate::staff(&super::patched(&member.data, &patch)?)?;
                    if !store::staff::update(c, id, version, &data, now)? {
                        return Err(super::stale("staff member", id, version, store::staff::version_of(c, id)?));
                    }
                    store::staff::get(c, id)?.ok_or(Error::NotFound { entity: "staff member", id })
                })
            }
        }
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
            Ok(store::interactions::custom_defs(c, def.kind)?.into_iter().filter(|d| d.record == def.record).collect())
        })
    }

    pub(crate) fn custom_field_list(
        &self,
        kind: Option<InteractionKind>,
        record: Option<CustomRecord>,
    ) -> Result<Vec<CustomFieldDef>> {
        let record = record.or(kind.map(|_| CustomRecord::Interaction));
        let all = self.read(|c| store::interactions::custom_defs(c, kind))?;
        Ok(all.into_iter().filter(|d| record.is_none_or(|r| d.record == r)).collect())
    }
}
