# Goal 1's peer, for a machine with R and COINr (>= 1.1): ASEM variant a built by COINr, median of 20 runs.
# Not run by `make bench` (R is not installed on the benchmark machine); prints seconds.
# Rscript benchmarks/coinr_variant_a.R
suppressMessages(library(COINr))
build <- function() {
  coin <- new_coin(ASEM_iData, ASEM_iMeta, quietly = TRUE)
  coin <- Normalise(coin, dset = "Raw", global_specs = list(f_n = "n_minmax", f_n_para = list(l_u = c(0, 100))))
  Aggregate(coin, dset = "Normalised", f_ag = "a_amean")
}
invisible(build())
times <- replicate(20, system.time(build())[["elapsed"]])
cat(sprintf("COINr %s ASEM variant a build: median %.4f s of 20\n", packageVersion("COINr"), median(times)))
