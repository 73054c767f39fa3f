#ifndef DANCU_CXLSXWRITER_SHIM_H
#define DANCU_CXLSXWRITER_SHIM_H

#include <xlsxwriter.h>

#endif
