// The MPI C API for Swift. MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM and the like are macros over
// implementation handles (Open MPI: addresses of globals; MPICH: integer constants), which Swift
// cannot import: each is wrapped in a getter here. Only the standard API is used, so Open MPI
// (pkg-config ompi-c) and MPICH (pkg-config mpich) both work.
#include <mpi.h>

static inline MPI_Comm wavenet_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype wavenet_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype wavenet_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op wavenet_mpi_sum(void) { return MPI_SUM; }
static inline void *wavenet_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int wavenet_mpi_success(void) { return MPI_SUCCESS; }
static inline MPI_Errhandler wavenet_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int wavenet_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline int wavenet_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
