//! rootfs
#![no_std]
