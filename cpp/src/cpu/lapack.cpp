#include "lapack.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "fastgrad/error.h"

// Fortran LAPACK / BLAS: every argument by pointer; character arguments are followed by hidden lengths at
// the end of the list (passed here for gfortran-built routines; C-built ones ignore them).
#if defined(FASTGRAD_BLAS_SCIPY_OPENBLAS)
#define FG_LAPACK(name) scipy_##name##_
#define FG_LAPACK_ATTR
#elif defined(FASTGRAD_BLAS_CBLAS) && defined(__GNUC__)
#define FG_LAPACK(name) name##_
#define FG_LAPACK_ATTR __attribute__((weak))
#endif

#ifdef FG_LAPACK
using fl = std::size_t;  // a hidden character-length argument
extern "C" {
#define FG_DECLARE(T, p)                                                                                       \
  void FG_LAPACK(p##getrf)(const int* m, const int* n, T* a, const int* lda, int* ipiv, int* info) FG_LAPACK_ATTR; \
  void FG_LAPACK(p##getrs)(const char* trans, const int* n, const int* nrhs, const T* a, const int* lda,        \
                           const int* ipiv, T* b, const int* ldb, int* info, fl) FG_LAPACK_ATTR;               \
  void FG_LAPACK(p##potrf)(const char* uplo, const int* n, T* a, const int* lda, int* info, fl) FG_LAPACK_ATTR;  \
  void FG_LAPACK(p##potrs)(const char* uplo, const int* n, const int* nrhs, const T* a, const int* lda, T* b,   \
                           const int* ldb, int* info, fl) FG_LAPACK_ATTR;                                      \
  void FG_LAPACK(p##trsm)(const char* side, const char* uplo, const char* transa, const char* diag, const int* m, \
                          const int* n, const T* alpha, const T* a, const int* lda, T* b, const int* ldb, fl, fl, \
                          fl, fl) FG_LAPACK_ATTR;                                                              \
  void FG_LAPACK(p##syevd)(const char* jobz, const char* uplo, const int* n, T* a, const int* lda, T* w,        \
                           T* work, const int* lwork, int* iwork, const int* liwork, int* info, fl, fl) FG_LAPACK_ATTR; \
  void FG_LAPACK(p##gesdd)(const char* jobz, const int* m, const int* n, T* a, const int* lda, T* s, T* u,      \
                           const int* ldu, T* vt, const int* ldvt, T* work, const int* lwork, int* iwork, int* info, \
                           fl) FG_LAPACK_ATTR;                                                         \
  void FG_LAPACK(p##geqrf)(const int* m, const int* n, T* a, const int* lda, T* tau, T* work, const int* lwork, \
                           int* info) FG_LAPACK_ATTR;                                                          \
  void FG_LAPACK(p##orgqr)(const int* m, const int* n, const int* k, T* a, const int* lda, const T* tau, T* work, \
                           const int* lwork, int* info) FG_LAPACK_ATTR;
FG_DECLARE(float, s)
FG_DECLARE(double, d)
#undef FG_DECLARE
}
#endif

namespace fastgrad::cpu {

bool has_lapack() {
#if defined(FASTGRAD_BLAS_SCIPY_OPENBLAS)
  return true;
#elif defined(FG_LAPACK)
  return FG_LAPACK(dgetrf) != nullptr && FG_LAPACK(dsyevd) != nullptr;
#else
  return false;
#endif
}

void check_lapack(const char* op) {
  FG_CHECK(has_lapack(), NotImplementedError, op,
           ": fastgrad was built without LAPACK (FASTGRAD_BLAS=scipy-openblas or a system OpenBLAS provides it)");
}

#ifdef FG_LAPACK
namespace {
template <class T>
struct Routines;
#define FG_ROUTINES(T, p)                                                                       \
  template <>                                                                                   \
  struct Routines<T> {                                                                          \
    static constexpr auto getrf = &FG_LAPACK(p##getrf);                                         \
    static constexpr auto getrs = &FG_LAPACK(p##getrs);                                         \
    static constexpr auto potrf = &FG_LAPACK(p##potrf);                                         \
    static constexpr auto potrs = &FG_LAPACK(p##potrs);                                         \
    static constexpr auto trsm = &FG_LAPACK(p##trsm);                                           \
    static constexpr auto syevd = &FG_LAPACK(p##syevd);                                         \
    static constexpr auto gesdd = &FG_LAPACK(p##gesdd);                                         \
    static constexpr auto geqrf = &FG_LAPACK(p##geqrf);                                         \
    static constexpr auto orgqr = &FG_LAPACK(p##orgqr);                                         \
  };
FG_ROUTINES(float, s)
FG_ROUTINES(double, d)
#undef FG_ROUTINES
}  // namespace

template <class T>
int getrf(int n, T* a, int* ipiv) {
  int info = 0, ld = std::max(n, 1);
  Routines<T>::getrf(&n, &n, a, &ld, ipiv, &info);
  return info;
}
template <class T>
int getrs(bool trans, int n, int nrhs, const T* a, const int* ipiv, T* b) {
  int info = 0, ld = std::max(n, 1);
  const char t = trans ? 'T' : 'N';
  Routines<T>::getrs(&t, &n, &nrhs, a, &ld, ipiv, b, &ld, &info, 1);
  return info;
}
template <class T>
int potrf(bool upper, int n, T* a) {
  int info = 0, ld = std::max(n, 1);
  const char u = upper ? 'U' : 'L';
  Routines<T>::potrf(&u, &n, a, &ld, &info, 1);
  return info;
}
template <class T>
int potrs(bool upper, int n, int nrhs, const T* a, T* b) {
  int info = 0, ld = std::max(n, 1);
  const char u = upper ? 'U' : 'L';
  Routines<T>::potrs(&u, &n, &nrhs, a, &ld, b, &ld, &info, 1);
  return info;
}
template <class T>
void trsm(bool left, bool upper, bool trans, bool unit_diag, int m, int n, const T* a, T* b) {
  if (m == 0 || n == 0) return;
  const char side = left ? 'L' : 'R', uplo = upper ? 'U' : 'L', ta = trans ? 'T' : 'N', diag = unit_diag ? 'U' : 'N';
  const T one = T(1);
  int lda = std::max(left ? m : n, 1), ldb = std::max(m, 1);
  Routines<T>::trsm(&side, &uplo, &ta, &diag, &m, &n, &one, a, &lda, b, &ldb, 1, 1, 1, 1);
}
template <class T>
int syevd(bool vectors, bool upper, int n, T* a, T* w) {
  int info = 0, ld = std::max(n, 1), lwork = -1, liwork = -1, iwork_query = 0;
  const char jobz = vectors ? 'V' : 'N', uplo = upper ? 'U' : 'L';
  T work_query = T(0);
  Routines<T>::syevd(&jobz, &uplo, &n, a, &ld, w, &work_query, &lwork, &iwork_query, &liwork, &info, 1, 1);
  if (info != 0) return info;
  lwork = std::max(1, static_cast<int>(work_query));
  liwork = std::max(1, iwork_query);
  std::vector<T> work(static_cast<size_t>(lwork));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  Routines<T>::syevd(&jobz, &uplo, &n, a, &ld, w, work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
  return info;
}
template <class T>
int gesdd(bool full, int m, int n, T* a, T* s, T* u, T* vt) {
  const int k = std::min(m, n);
  int info = 0, lda = std::max(m, 1), ldu = std::max(m, 1), ldvt = std::max(full ? n : k, 1), lwork = -1;
  const char jobz = full ? 'A' : 'S';
  std::vector<int> iwork(static_cast<size_t>(std::max(8 * k, 1)));
  T work_query = T(0);
  Routines<T>::gesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &work_query, &lwork, iwork.data(), &info, 1);
  if (info != 0) return info;
  lwork = std::max(1, static_cast<int>(work_query));
  std::vector<T> work(static_cast<size_t>(lwork));
  Routines<T>::gesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work.data(), &lwork, iwork.data(), &info, 1);
  return info;
}
template <class T>
int geqrf(int m, int n, T* a, T* tau) {
  int info = 0, lda = std::max(m, 1), lwork = -1;
  T query = T(0);
  Routines<T>::geqrf(&m, &n, a, &lda, tau, &query, &lwork, &info);
  if (info != 0) return info;
  lwork = std::max(1, static_cast<int>(query));
  std::vector<T> work(static_cast<size_t>(lwork));
  Routines<T>::geqrf(&m, &n, a, &lda, tau, work.data(), &lwork, &info);
  return info;
}
template <class T>
int orgqr(int m, int cols, int k, T* a, const T* tau) {
  int info = 0, lda = std::max(m, 1), lwork = -1;
  T query = T(0);
  Routines<T>::orgqr(&m, &cols, &k, a, &lda, tau, &query, &lwork, &info);
  if (info != 0) return info;
  lwork = std::max(1, static_cast<int>(query));
  std::vector<T> work(static_cast<size_t>(lwork));
  Routines<T>::orgqr(&m, &cols, &k, a, &lda, tau, work.data(), &lwork, &info);
  return info;
}
#else
template <class T>
int geqrf(int, int, T*, T*) { check_lapack("geqrf"); return 0; }
template <class T>
int orgqr(int, int, int, T*, const T*) { check_lapack("orgqr"); return 0; }
template <class T>
int gesdd(bool, int, int, T*, T*, T*, T*) { check_lapack("gesdd"); return 0; }
template <class T>
int getrf(int, T*, int*) { check_lapack("getrf"); return 0; }
template <class T>
int getrs(bool, int, int, const T*, const int*, T*) { check_lapack("getrs"); return 0; }
template <class T>
int potrf(bool, int, T*) { check_lapack("potrf"); return 0; }
template <class T>
int potrs(bool, int, int, const T*, T*) { check_lapack("potrs"); return 0; }
template <class T>
void trsm(bool, bool, bool, bool, int, int, const T*, T*) { check_lapack("trsm"); }
template <class T>
int syevd(bool, bool, int, T*, T*) { check_lapack("syevd"); return 0; }
#endif

#define FG_INSTANTIATE(T)                                                              \
  template int getrf<T>(int, T*, int*);                                                \
  template int getrs<T>(bool, int, int, const T*, const int*, T*);                     \
  template int potrf<T>(bool, int, T*);                                                \
  template int potrs<T>(bool, int, int, const T*, T*);                                 \
  template void trsm<T>(bool, bool, bool, bool, int, int, const T*, T*);               \
  template int syevd<T>(bool, bool, int, T*, T*);                                       \
  template int gesdd<T>(bool, int, int, T*, T*, T*, T*);                                 \
  template int geqrf<T>(int, int, T*, T*);                                               \
  template int orgqr<T>(int, int, int, T*, const T*);
FG_INSTANTIATE(float)
FG_INSTANTIATE(double)
#undef FG_INSTANTIATE

}  // namespace fastgrad::cpu
