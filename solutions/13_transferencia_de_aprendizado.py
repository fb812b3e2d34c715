# %% [markdown]
# # 13 · Transferência de aprendizado
#
# Na aula 12 a rede das radiografias começou do zero: pesos sorteados, e tudo o que ela sabe
# veio de alguns milhares de radiografias. Quase ninguém faz assim quando tem poucos dados. O
# caminho de todo dia é a **transferência de aprendizado** (*transfer learning*): pegar uma
# rede já treinada num conjunto grande (a **fonte**), guardar a parte que extrai
# características (a **base**) e ensinar só uma cabeça nova no conjunto pequeno que interessa
# (o **alvo**). Nesta aula você faz isso com as radiografias da aula 12 e **mede** quando
# compensa: a mesma comparação com 50, 200 e todas as imagens de treino.
#
# Você vai aprender a:
#
# - congelar uma base pré-treinada (`trainable = False`), contar os parâmetros que o
#   otimizador ainda mexe e pôr uma cabeça nova em cima dela (**extração de
#   características**);
# - descongelar a base e continuar o treino com uma taxa de aprendizado baixa (**ajuste
#   fino**, *fine-tuning*), com a normalização em lote da base em modo de inferência
#   (`base(x, training=False)`), e saber por quê;
# - comparar com o modelo da aula 12 treinado do zero, na mesma divisão e com o mesmo número
#   de épocas;
# - desenhar e ler uma **curva de aprendizado**: a AUC no teste contra o número de imagens de
#   treino, do zero e com transferência.
#
# **O que a aula supõe.** As radiografias, a divisão por paciente, os pesos de classe e a AUC
# da aula 12; a normalização em lote da aula 10 (treino com as estatísticas do lote,
# inferência com as médias móveis); a rede do CIFAR-10 da aula 08; `trainable_weights` e
# `compile`/`fit` do Keras.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from course_utils import config, fmt, transfer, xray
from course_utils.checks import ____
from course_utils.datasets import CHEST_XRAY_CLASSES, load_chest_xray_paths
from course_utils.exercises import lesson12, lesson13
from course_utils.exercises.lesson13 import ex1, ex2, ex3
from course_utils.lessons import SEED
from course_utils.plots import show_images
from course_utils.summary import summary_by_block

config.set_seed(SEED)
print(config.fast_mode_line())
print(config.accelerator_line(13))

# %% [markdown]
# As configurações da aula, à vista. Os valores moram em `course_utils.exercises.lesson13`,
# porque o script que mede esta aula com todos os dados usa os mesmos.

# %%
IMAGE_SIZE = lesson13.IMAGE_SIZE                  # (altura, largura) das radiografias
BATCH_SIZE = lesson13.BATCH_SIZE                  # imagens por passo, nos dois modelos
HEAD_EPOCHS, FINE_EPOCHS = lesson13.epochs()      # base congelada, depois ajuste fino
LEARNING_RATE = lesson13.LEARNING_RATE            # do zero e para a cabeça nova
FINE_LEARNING_RATE = lesson13.FINE_LEARNING_RATE  # no ajuste fino: dez vezes menor
print(f"radiografias {IMAGE_SIZE[0]}×{IMAGE_SIZE[1]}, lote {BATCH_SIZE}; transferência: "
      f"{HEAD_EPOCHS} época(s) com a base congelada + {FINE_EPOCHS} de ajuste fino; do zero: "
      f"{HEAD_EPOCHS + FINE_EPOCHS} épocas; taxas {LEARNING_RATE} e {FINE_LEARNING_RATE}")

# %% [markdown]
# ## A ideia: o que uma rede aprende serve para outra tarefa?
#
# Yosinski e colegas (2014) mediram isso. Treinaram redes em metade das classes do ImageNet,
# copiaram as primeiras $n$ camadas para uma rede nova e a treinaram na outra metade. As
# primeiras camadas aprendem quase sempre a mesma coisa, seja qual for a tarefa: bordas,
# cores, texturas. São **gerais**. As
# últimas são **específicas** da tarefa de origem. Copiar as camadas gerais e treinar o resto
# funciona melhor que começar do zero, e a vantagem cai quando a fonte e o alvo são muito
# diferentes, mas mesmo então características copiadas ganharam de pesos sorteados.
#
# O guia de transferência do Keras (veja as Fontes) descreve o roteiro em quatro passos, e é
# o desta aula:
#
# 1. pegar as camadas de um modelo já treinado (a base);
# 2. congelá-las, para que o treino não destrua o que elas sabem;
# 3. pôr camadas novas, treináveis, em cima delas (a cabeça);
# 4. treinar só a cabeça no conjunto novo; depois, se quiser, descongelar a base e
#    continuar com uma taxa de aprendizado bem menor (o ajuste fino).
#
# As duas fases desta aula, em figura (cada parte é explicada nas seções abaixo):

# %%
transfer.draw_phases(LEARNING_RATE, FINE_LEARNING_RATE);

# %% [markdown]
# ## O alvo: as radiografias da aula 12
#
# Os mesmos dados da aula 12, carregados do mesmo jeito, agora como arrays do NumPy (cabem
# na memória com folga). A validação sai do treino, **por paciente**, como lá; o teste é o
# oficial e só é usado para medir.

# %%
x_train, y_train = transfer.xray_arrays("train", IMAGE_SIZE)
x_test, y_test = transfer.xray_arrays("test", IMAGE_SIZE)
fit_index, val_index, grouped = xray.split_by_patient(
    load_chest_xray_paths("train"), y_train, lesson13.VAL_FRACTION, seed=SEED)
x_fit, y_fit = x_train[fit_index], y_train[fit_index]
x_val, y_val = x_train[val_index], y_train[val_index]
CLASS_WEIGHT = lesson12.class_weights(np.bincount(y_fit, minlength=2))
print(f"treino {fmt.num(len(y_fit))}, validação {fmt.num(len(y_val))} "
      f"({'por paciente' if grouped else 'por imagem: estes nomes não trazem paciente'}), "
      f"teste {fmt.num(len(y_test))}; imagens {x_train.shape[1:]} {x_train.dtype}")
show_images(x_fit[:8] / 255.0, titles=[CHEST_XRAY_CLASSES[k] for k in y_fit[:8]], ncols=8,
            suptitle="Radiografias do treino");

# %% [markdown]
# ## A base pré-treinada
#
# `transfer.pretrained_base` tenta primeiro os pesos de uma rede treinada no **ImageNet**
# (1,3 milhão de fotos de mil classes): a MobileNetV3Small do `keras.applications`, uma rede
# pequena feita para celulares, sem a camada de classificação (`include_top=False`) e com
# *global average pooling* no fim. Ela baixa os pesos da internet na primeira vez. Onde
# não há internet (nos testes automáticos do curso, por exemplo), o download
# falha e a função usa uma base que **o próprio curso pré-treina** agora no **CIFAR-10**
# (a aula 08): três blocos de duas convoluções 3×3 com normalização em lote, no estilo VGG,
# com *global average pooling*. O resto da aula é o mesmo código para as duas bases; as
# duas recebem imagens RGB de 0 a 255 e devolvem um vetor de características.

# %%
base, SOURCE = transfer.pretrained_base((*IMAGE_SIZE, 3), seed=SEED)
if SOURCE.startswith("CIFAR"):
    print("Sem internet para baixar os pesos do ImageNet: esta execução usa a base do curso, "
          "pré-treinada no CIFAR-10, com o mesmo código.")
print(f"fonte: {SOURCE}")
print(f"base {base.name}: entrada {base.input_shape}, saída {base.output_shape}, "
      f"{fmt.num(base.count_params())} parâmetros")

# %% [markdown]
# Repare na distância entre a fonte e o alvo: fotos coloridas de aviões e gatos (ou de mil
# coisas do ImageNet) contra radiografias cinza de tórax. Yosinski e colegas mediram que a
# vantagem de transferir cai com essa distância; aqui vamos ver quanto sobra.
#
# ## Extração de características: a base congelada
#
# Congelar uma camada é dizer ao otimizador que não mexa nos seus pesos: `trainable = False`.
# Num modelo, o atributo vale para todas as camadas de dentro. Os pesos de uma camada
# congelada passam de `trainable_weights` para `non_trainable_weights`, e o otimizador só
# atualiza os primeiros. Uma camada de normalização em lote já tem pesos não treináveis
# mesmo descongelada: as médias e variâncias móveis (aula 10), que o treino atualiza por
# média, não por gradiente.
#
# ### Exercício 1 · Quantos parâmetros o otimizador mexe?
#
# Complete `count_trainable(model)`: o número de parâmetros treináveis do modelo, isto é,
# quantos números há nos seus pesos treináveis. Ela deve funcionar com a base congelada,
# descongelada e congelada só em algumas camadas.

# %%
def count_trainable(model):
    """Quantos números o otimizador atualiza: os parâmetros treináveis de `model`."""
    # BEGIN SOLUTION ex1
    return int(sum(np.prod(weight.shape) for weight in model.trainable_weights))
    # END SOLUTION


ex1.check(count_trainable)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# A base inteira, descongelada e congelada:

# %%
base.trainable = True
unfrozen = transfer.trainable_parameters(base)
base.trainable = False
print(f"base descongelada: {fmt.num(unfrozen)} parâmetros treináveis de "
      f"{fmt.num(base.count_params())}; congelada: {transfer.trainable_parameters(base)}")

# %% [markdown]
# ### Exercício 2 · A cabeça nova
#
# Complete `build_head(base)`: um modelo que recebe a radiografia cinza, do tamanho da
# entrada da base e com **um** canal, e devolve a probabilidade de pneumonia.
#
# - A base quer três canais (RGB): repita o canal cinza três vezes
#   (`keras.layers.Concatenate()` junta tensores no último eixo).
# - Chame a base em **modo de inferência**, mesmo quando o modelo estiver treinando (a
#   próxima seção explica por quê; por ora, procure como uma chamada de camada recebe o
#   modo).
# - Por cima das características: um `Dropout(0.2)` e uma `Dense(1)` com sigmoide.
#
# A base já leva os pixels de 0–255 para a escala que ela espera; não divida por 255.

# %%
def build_head(base):
    """Radiografia cinza (altura, largura, 1) → base em modo de inferência → probabilidade."""
    # BEGIN SOLUTION ex2
    height, width, _ = base.input_shape[1:]
    inputs = keras.Input(shape=(height, width, 1))
    rgb = keras.layers.Concatenate()([inputs, inputs, inputs])
    features = base(rgb, training=False)
    features = keras.layers.Dropout(0.2)(features)
    outputs = keras.layers.Dense(1, activation="sigmoid")(features)
    return keras.Model(inputs, outputs)
    # END SOLUTION


ex2.check(build_head)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# `transfer.build_transfer_model` faz o mesmo (e calcula a sigmoide em `float32`, como o
# modelo da aula 12). Com a base congelada, só a cabeça treina:

# %%
config.set_seed(SEED)
model = transfer.build_transfer_model(base)
summary_by_block(model)
head_only = transfer.trainable_parameters(model)
print(f"treináveis: {fmt.num(head_only)} de {fmt.num(model.count_params())} "
      f"({fmt.pct(head_only / model.count_params(), 2)})")

# %% [markdown]
# Treinamos a cabeça com a taxa de sempre, com os pesos de classe da aula 12 e a validação
# por paciente para acompanhar:

# %%
def compile_for_xrays(model, learning_rate):
    """Adam, entropia cruzada binária, AUC e acurácia: as mesmas escolhas nos dois modelos."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=[keras.metrics.AUC(name="auc"),
                           keras.metrics.BinaryAccuracy(name="accuracy")])


compile_for_xrays(model, LEARNING_RATE)
head_history = model.fit(x_fit.astype("float32"), y_fit, epochs=HEAD_EPOCHS,
                         batch_size=BATCH_SIZE, validation_data=(x_val, y_val),
                         class_weight=CLASS_WEIGHT, verbose=0)
head_auc = transfer.roc_auc(model, x_val, y_val)
print(f"só a cabeça, {HEAD_EPOCHS} época(s): AUC na validação {fmt.num(head_auc, 3)}")

# %% [markdown]
# ## Ajuste fino: descongelar, devagar
#
# A cabeça aprendeu a ler as características da fonte. O passo seguinte é deixar a base se
# adaptar ao alvo: descongelá-la e treinar de novo, com uma taxa de aprendizado bem menor
# (aqui dez vezes menor), para que os pesos pré-treinados **mudem um pouco** em vez de serem
# reescritos pelos gradientes de uma cabeça que ainda erra muito. Duas regras do guia do
# Keras:
#
# - depois de mudar `trainable`, **compile de novo**: o `compile` guarda a lista de pesos
#   que o otimizador atualiza;
# - a base continua chamada com `training=False`, que o modelo já tem desde o exercício 2.
#
# Por que a segunda regra? Numa camada de normalização em lote, o modo de treino faz duas
# coisas: normaliza com a média e a variância **do lote** e puxa as médias móveis na direção
# delas. A cabeça aprendeu a ler as características normalizadas com as estatísticas da
# fonte. A célula abaixo mede o que mudaria, numa cópia da base, descongelada, chamada nos
# dois modos sobre um lote de radiografias:

# %%
probe = transfer.copy_base(base)  # uma cópia: a base do modelo fica como está
probe.trainable = True
batch = np.repeat(x_fit[:BATCH_SIZE], 3, axis=-1).astype("float32")
inference = np.asarray(probe(batch, training=False))
training_mode = np.asarray(probe(batch, training=True))
change = np.linalg.norm(training_mode - inference) / np.linalg.norm(inference)
print(f"características em modo de treino × inferência: diferença relativa {fmt.pct(change)}")

# %% [markdown]
# As características que a cabeça recebe mudariam de uma vez, e as médias móveis seriam
# puxadas, passo a passo, para as de lotes pequenos de radiografias. É isso que o guia do
# Keras chama de destruir de repente o que o modelo aprendeu.
#
# Agora o que o `fit` faz: ele chama o modelo inteiro com `training=True`. O `training=False`
# que demos à base vale mais que isso? A célula monta um modelo com a cópia descongelada,
# faz a chamada do `fit` e olha se as médias móveis da primeira normalização em lote
# mudaram; depois repete com as normalizações em lote congeladas, como
# `transfer.unfreeze_top` deixa:

# %%
def moving_means_moved(base_copy):
    """Chama um modelo de transferência como o fit chama; as médias móveis da base mudaram?"""
    bn = next(layer for layer in base_copy.layers
              if isinstance(layer, keras.layers.BatchNormalization))
    before = bn.moving_mean.numpy()
    transfer.build_transfer_model(base_copy)(x_fit[:BATCH_SIZE].astype("float32"),
                                             training=True)
    return not np.array_equal(before, bn.moving_mean.numpy())


print(f"Keras {keras.__version__}; base descongelada, chamada com training=False, e o modelo "
      f"treinando: as médias móveis mudaram? "
      f"{'sim' if moving_means_moved(transfer.copy_base(probe)) else 'não'}")
frozen_bn = transfer.copy_base(probe)
transfer.unfreeze_top(frozen_bn)
print(f"com as normalizações em lote congeladas (unfreeze_top): mudaram? "
      f"{'sim' if moving_means_moved(frozen_bn) else 'não'}")

# %% [markdown]
# Se a primeira resposta saiu "sim", você encontrou um defeito do Keras: no Keras 3.15 (a
# versão destes computadores), dentro de um modelo funcional, o `training=True` do `fit`
# passa por cima do `training=False` escrito na chamada da base (relatado em
# keras-team/keras#20285; o código do Keras mudou essa precedência em 2026, no pedido
# #23364, e o guia descreve o comportamento pretendido). A célula mede a versão que você
# tem. Por isso o curso usa as duas
# proteções juntas. No Keras 3, uma normalização em lote **congelada** (`trainable = False`)
# roda sempre em modo de inferência, e `transfer.unfreeze_top` descongela a base (ou só as
# suas últimas camadas) deixando as normalizações em lote congeladas. O `training=False`
# continua na chamada da base: é o que o guia pede, e numa versão corrigida ele sozinho já
# basta.
#
# ### Exercício 3 · Por que `training=False`?
#
# Qual das frases explica por que a normalização em lote da base deve ficar em modo de
# inferência (`training=False`, ou congelada) no ajuste fino? Responda com a letra, num
# texto (`"a"`).

# %%
for letter, text in lesson13.BN_CHOICES.items():
    print(f"({letter}) {text}")

# %%
# BEGIN SOLUTION ex3
bn_answer = "b"
# END SOLUTION
ex3.check(bn_answer)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# **Quais camadas descongelar?** As primeiras camadas da base são as mais gerais (bordas,
# texturas) e as últimas, as mais presas à fonte. Com pouquíssimos dados, descongelar só as
# últimas camadas mexe em menos pesos e sobreajusta menos; com mais dados, dá para
# descongelar tudo. Aqui descongelamos a base inteira (menos as normalizações em lote) e
# compilamos de novo com a taxa baixa:

# %%
transfer.unfreeze_top(base)
compile_for_xrays(model, FINE_LEARNING_RATE)
print(f"treináveis agora: {fmt.num(transfer.trainable_parameters(model))} de "
      f"{fmt.num(model.count_params())}")
fine_history = model.fit(x_fit.astype("float32"), y_fit, epochs=FINE_EPOCHS,
                         batch_size=BATCH_SIZE, validation_data=(x_val, y_val),
                         class_weight=CLASS_WEIGHT, verbose=0)
fine_auc = transfer.roc_auc(model, x_val, y_val)
print(f"depois do ajuste fino ({FINE_EPOCHS} época(s)): AUC na validação "
      f"{fmt.num(fine_auc, 3)} (só a cabeça: {fmt.num(head_auc, 3)})")

# %% [markdown]
# ## Do zero, com o mesmo orçamento
#
# O adversário é o modelo da aula 12 (`xray.build_xray_model`), com pesos sorteados, na
# mesma divisão, com o mesmo lote, os mesmos pesos de classe e o mesmo número de épocas que a
# transferência usou somando as duas fases. `transfer.train_scratch` faz o que a célula de
# treino da aula 12 faz, sem o agendamento da taxa:

# %%
scratch, scratch_history = transfer.train_scratch(
    x_fit, y_fit, HEAD_EPOCHS + FINE_EPOCHS, BATCH_SIZE, LEARNING_RATE,
    validation=(x_val, y_val), class_weight=CLASS_WEIGHT, seed=SEED)
scratch_auc = transfer.roc_auc(scratch, x_val, y_val)
print(f"do zero, {HEAD_EPOCHS + FINE_EPOCHS} épocas: AUC na validação {fmt.num(scratch_auc, 3)}")

# %% [markdown]
# As curvas de validação das duas, época a época; a linha vertical marca onde a
# transferência passou da cabeça ao ajuste fino:

# %%
transfer_curve = head_history.history["val_auc"] + fine_history.history["val_auc"]
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
epochs_axis = np.arange(1, len(transfer_curve) + 1)
ax.plot(epochs_axis, transfer_curve, "o-", label=f"transferência ({SOURCE.split(' ')[0]})")
ax.plot(epochs_axis, scratch_history.history["val_auc"], "s-", label="do zero (aula 12)")
ax.axvline(HEAD_EPOCHS + 0.5, color="gray", linestyle="--", label="início do ajuste fino")
ax.set_xlabel("época")
ax.set_ylabel("AUC na validação")
ax.yaxis.set_major_formatter(fmt.tick_formatter(2))
ax.set_title("Transferência contra treino do zero, mesma divisão e orçamento")
ax.legend(fontsize=8);

# %% [markdown]
# ## A curva de aprendizado
#
# Uma comparação com um só tamanho de treino diz pouco. A pergunta de quem tem um conjunto
# pequeno é: **com quantas imagens** a transferência compensa? A curva de aprendizado
# responde: para vários tamanhos do treino (um subconjunto estratificado do mesmo treino), os
# dois modelos treinados com o mesmo orçamento de épocas, medidos na AUC do teste inteiro.
# No modo rápido os tamanhos são poucos e minúsculos; os números do modo completo, na cópia
# do curso, estão no fim da aula.

# %%
sizes = lesson13.curve_sizes(len(y_fit))
scratch_curve, transfer_curve_test = [], []
for n in sizes:
    index = lesson13.subset(y_fit, n, seed=SEED)
    weights = lesson12.class_weights(np.bincount(y_fit[index], minlength=2))
    if n == len(y_fit):  # todo o treino: os dois modelos acima
        small_scratch, small_transfer = scratch, model
    else:
        small_scratch, _ = transfer.train_scratch(
            x_fit[index], y_fit[index], HEAD_EPOCHS + FINE_EPOCHS, BATCH_SIZE, LEARNING_RATE,
            class_weight=weights, seed=SEED)
        small_transfer, _ = transfer.train_transfer(
            transfer.copy_base(base), x_fit[index], y_fit[index], HEAD_EPOCHS, FINE_EPOCHS,
            BATCH_SIZE, LEARNING_RATE, FINE_LEARNING_RATE, class_weight=weights, seed=SEED)
    scratch_curve.append(transfer.roc_auc(small_scratch, x_test, y_test))
    transfer_curve_test.append(transfer.roc_auc(small_transfer, x_test, y_test))
    print(f"{fmt.num(n):>6} imagens: AUC no teste do zero {fmt.num(scratch_curve[-1], 3)}, "
          f"com transferência {fmt.num(transfer_curve_test[-1], 3)}")

# %%
fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
ax.plot(sizes, transfer_curve_test, "o-", label=f"transferência ({SOURCE.split(' ')[0]})")
ax.plot(sizes, scratch_curve, "s-", label="do zero (aula 12)")
ax.axhline(0.5, color="gray", linestyle=":", label=f"chute (AUC {fmt.num(0.5)})")
ax.set_xscale("log")
ax.set_xticks(sizes, [fmt.num(n) for n in sizes])
ax.minorticks_off()
ax.yaxis.set_major_formatter(fmt.tick_formatter(2))
ax.set_xlabel("radiografias de treino (escala logarítmica)")
ax.set_ylabel("AUC no teste")
ax.set_title("Curva de aprendizado: do zero × transferência")
ax.legend(fontsize=8);

# %% [markdown]
# ### Exercício 4 · Lendo a curva
#
# Com quantas radiografias de treino a transferência ganhou do treino do zero **pela maior
# diferença** de AUC, nesta execução? Calcule a partir de `sizes`, `scratch_curve` e
# `transfer_curve_test` e responda com o número de imagens.

# %%
ex4 = lesson13.largest_gain_exercise(sizes, scratch_curve, transfer_curve_test)
# BEGIN SOLUTION ex4
gains = np.array(transfer_curve_test) - np.array(scratch_curve)
largest_gain = sizes[int(np.argmax(gains))]
# END SOLUTION
ex4.check(largest_gain)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# Os números do modo completo, medidos pelos autores do curso com
# `benchmarks/transfer_xray.py` na cópia reduzida das radiografias (PneumoniaMNIST: 28×28
# pixels, classes equilibradas), num computador de 2 núcleos sem internet: a base é a do
# CIFAR-10, pré-treinada pelo curso, e cada tamanho foi treinado com três sortes de imagens e
# pesos iniciais (todo o treino, com uma). Com a MobileNetV3Small do ImageNet ninguém mediu
# ainda: no Colab, com internet, rode esta aula em modo completo e compare a sua curva.

# %%
mirror = lesson13.MIRROR_CURVE
for n, zero, moved, seeds in zip(mirror["sizes"], mirror["scratch"], mirror["transfer"],
                                 mirror["seeds"]):
    print(f"{fmt.num(n):>6} imagens: AUC do zero {fmt.num(zero, 3)}, com transferência "
          f"{fmt.num(moved, 3)} (média de {seeds} treino(s))")
fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
ax.plot(mirror["sizes"], mirror["transfer"], "o-", label="transferência (CIFAR-10)")
ax.plot(mirror["sizes"], mirror["scratch"], "s-", label="do zero (aula 12)")
ax.axhline(0.5, color="gray", linestyle=":", label=f"chute (AUC {fmt.num(0.5)})")
ax.set_xscale("log")
ax.set_xticks(mirror["sizes"], [fmt.num(n) for n in mirror["sizes"]])
ax.minorticks_off()
ax.yaxis.set_major_formatter(fmt.tick_formatter(2))
ax.set_xlabel("radiografias de treino (escala logarítmica)")
ax.set_ylabel("AUC no teste")
ax.set_title("Modo completo, na cópia do curso (28×28)")
ax.legend(fontsize=8);

# %% [markdown]
# **Pergunta.** O que a curva diz sobre quando transferir? Use os números desta execução e os
# do modo completo, acima.
#
# ✍️ *Sua resposta:*

# %% [markdown] tags=["solution"]
# **Resposta modelo.** Com poucas imagens, a rede do zero tem muitos pesos para o que os
# dados sustentam e nem sai do chute (na cópia do curso, com 50 imagens, ela deu a mesma
# probabilidade a todas as radiografias do teste); a base pré-treinada entrega
# características prontas, e só a cabeça (e depois um ajuste pequeno) precisa aprender com as
# radiografias. É aí que está a maior vantagem. Com mais imagens, o modelo do zero
# alcança a transferência, e a diferença encolhe para centésimos de AUC, do tamanho da
# variação entre sementes: o que a fonte ensinou, o alvo passa a ensinar sozinho. A
# distância entre fonte e alvo pesa: fotos coloridas (CIFAR-10 ou ImageNet) não são
# radiografias, e Raghu e colegas (2019) mediram, em radiografias de tórax e fundo de olho
# com muitos dados, que modelos pequenos do zero chegam perto dos pré-treinados no
# ImageNet. No modo rápido, com poucas dezenas de imagens e uma ou duas
# épocas, os números variam muito de uma execução para outra: leia a tendência nos números
# do modo completo, medidos com várias sementes.

# %% [markdown]
# ## O que você aprendeu
#
# - Transferência de aprendizado: uma base treinada numa fonte grande, uma cabeça nova
#   treinada no alvo pequeno. As primeiras camadas de uma CNN são gerais e as últimas,
#   específicas da fonte (Yosinski e colegas, 2014).
# - `trainable = False` congela: os pesos saem de `trainable_weights`, e o otimizador não
#   mexe neles; depois de mudar `trainable`, compile de novo. Os parâmetros treináveis são
#   os números dentro de `trainable_weights`, não os de `count_params()`.
# - Extração de características (base congelada, só a cabeça treina) e depois ajuste fino
#   (a base descongelada, taxa de aprendizado dez vezes menor).
# - A normalização em lote da base fica em modo de inferência, com as estatísticas da
#   fonte, em vez de trocá-las pelas de lotes pequenos do alvo e destruir o que a base
#   sabe: `base(x, training=False)` e, porque no Keras 3.15 o `fit` passa por cima disso
#   num modelo funcional (a célula mede a sua versão), as normalizações em lote congeladas.
#   `training` (o modo de calcular) e `trainable` (receber gradiente) são coisas
#   diferentes.
# - Uma comparação justa usa a mesma divisão e o mesmo orçamento; a curva de aprendizado
#   mostra com quantas imagens a transferência compensa, e a vantagem depende da distância
#   entre fonte e alvo.
# - Onde os pesos do ImageNet não baixam, o mesmo código roda com uma base pré-treinada pelo
#   curso, e a aula diz qual das duas usou; um resultado do ImageNet que não foi medido não
#   é citado.
#
# ## De onde vem e o que ler a seguir
#
# O roteiro (congelar, cabeça nova, ajuste fino com taxa baixa e a normalização em lote em
# modo de inferência) segue o guia "Transfer learning & fine-tuning" de François Chollet no
# site do Keras (`keras.io/guides/transfer_learning/`). A pergunta "o que transfere?" vem de
# Yosinski e colegas (2014). As radiografias e o modelo do zero são os da aula
# "12 · Raio-X com TPU"; a normalização em lote, da aula "10 · Normalização em lote e
# *dropout*"; a base do CIFAR-10, no estilo do modelo VGG da aula "08 · CIFAR-10". A
# próxima aula, "14 · O que a CNN olha", pergunta **onde** uma rede de radiografias olha, e
# mostra redes que acertam por atalhos do hospital de origem. Os termos técnicos seguem o
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# ### Fontes
#
# - François Chollet. *Transfer learning & fine-tuning*, guia do site do Keras
#   (keras.io/guides/transfer_learning).
# - Jason Yosinski, Jeff Clune, Yoshua Bengio e Hod Lipson. *How transferable are features
#   in deep neural networks?* NeurIPS, 2014.
# - Daniel S. Kermany e colegas. *Identifying Medical Diagnoses and Treatable Diseases by
#   Image-Based Deep Learning*. Cell, 2018 (os dados).
# - Jiancheng Yang e colegas. *MedMNIST v2*. Scientific Data, 2023 (a cópia reduzida,
#   PneumoniaMNIST).
# - Andrew Howard e colegas. *Searching for MobileNetV3*. ICCV, 2019 (a base do ImageNet).
# - Maithra Raghu, Chiyuan Zhang, Jon Kleinberg e Samy Bengio. *Transfusion: Understanding
#   Transfer Learning for Medical Imaging*. NeurIPS, 2019.
# - Alex Krizhevsky. *Learning Multiple Layers of Features from Tiny Images*, 2009 (o
#   CIFAR-10).
