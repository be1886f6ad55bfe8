//! Datasets: CIFAR-10 from the ImageFolder zip, and the packed sample file the site loads;
//! the SpamAssassin corpus ([`spam`], messages parsed by [`email`]).

pub mod cifar;
pub mod email;
pub mod spam;
pub mod image;
