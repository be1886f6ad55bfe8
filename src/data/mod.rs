//! Datasets: CIFAR-10 from the ImageFolder zip, and the packed sample file the site loads.

pub mod cifar;
pub mod image;
