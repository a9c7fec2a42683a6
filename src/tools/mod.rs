//! The only code that runs other programs: uv (`patroni-bake lock`) and pip
//! (`patroni-bake wheelhouse`). Rendering never does.

pub mod cut_off;
pub mod licenses;
pub mod lock;
pub mod pip;
pub mod pyproject;
pub mod uv;
