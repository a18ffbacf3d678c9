/*
 * version.h - the system's version, printed in the boot banner. A fixed
 * string, not a build date, so two builds of one tree are identical.
 */
#ifndef CAPOS_VERSION_H
#define CAPOS_VERSION_H

#define CAPOS_VERSION "0.1.0"

#endif
