#ifndef NEWSDESK_CCMARK_SHIM_H
#define NEWSDESK_CCMARK_SHIM_H

#include <cmark.h>

#endif
