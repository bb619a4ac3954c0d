//! syscalls
#![no_std]
