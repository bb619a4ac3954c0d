//! loader
#![no_std]
