#include "clipz_image.h"
